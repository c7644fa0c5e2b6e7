"""Where a policy or a grant can live in AWS provider 5.100, and what each place means.

Identity policies (attached to a principal) and resource policies (attached to a resource, naming principals) are
told apart, because `Resource "*"` means "every resource" in the first and "this resource" in the second.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from policies.iam.documents import PolicyUnreadable, Statement, statements
from policies.model import Resource, StackView, Violation, block_of, blocks_of

# type -> attribute holding an identity policy document
IDENTITY_POLICIES = {
    "aws_iam_policy": "policy",
    "aws_iam_role_policy": "policy",
    "aws_iam_user_policy": "policy",
    "aws_iam_group_policy": "policy",
    "aws_ssoadmin_permission_set_inline_policy": "inline_policy",
}
# type -> attribute holding a resource policy document (the policy of the resource it names), for every type of the
# AWS provider 5.100 schema that holds one (tests/policies/test_resource_policies.py holds this table, with
# NOT_READ, equal to the cdktf bindings); a dotted attribute is a nested block's.
RESOURCE_POLICIES = {
    "aws_acmpca_policy": "policy",
    "aws_api_gateway_domain_name": "policy",
    "aws_api_gateway_rest_api": "policy",
    "aws_api_gateway_rest_api_policy": "policy",
    "aws_backup_vault_policy": "policy",
    "aws_cloudsearch_domain_service_access_policy": "access_policy",
    "aws_cloudwatch_event_bus_policy": "policy",
    "aws_cloudwatch_log_delivery_destination_policy": "delivery_destination_policy",
    "aws_cloudwatch_log_destination_policy": "access_policy",
    "aws_cloudwatch_log_resource_policy": "policy_document",
    "aws_codeartifact_domain_permissions_policy": "policy_document",
    "aws_codeartifact_repository_permissions_policy": "policy_document",
    "aws_codebuild_resource_policy": "policy",
    "aws_dynamodb_resource_policy": "policy",
    "aws_ecr_registry_policy": "policy",
    "aws_ecr_repository_creation_template": "repository_policy",
    "aws_ecr_repository_policy": "policy",
    "aws_ecrpublic_repository_policy": "policy",
    "aws_efs_file_system_policy": "policy",
    "aws_elasticsearch_domain": "access_policies",
    "aws_elasticsearch_domain_policy": "access_policies",
    "aws_glacier_vault": "access_policy",
    "aws_glacier_vault_lock": "policy",
    "aws_glue_resource_policy": "policy",
    "aws_iot_policy": "policy",  # an IoT policy: identity-like, attached to certificates and things
    "aws_kinesis_resource_policy": "policy",
    "aws_kms_external_key": "policy",
    "aws_kms_key": "policy",
    "aws_kms_key_policy": "policy",
    "aws_kms_replica_external_key": "policy",
    "aws_kms_replica_key": "policy",
    "aws_media_store_container_policy": "policy",
    "aws_msk_cluster_policy": "policy",
    "aws_networkfirewall_resource_policy": "policy",
    "aws_oam_sink_policy": "policy",
    "aws_opensearch_domain": "access_policies",
    "aws_opensearch_domain_policy": "access_policies",
    "aws_redshift_resource_policy": "policy",
    "aws_redshiftserverless_resource_policy": "policy",
    "aws_s3_access_point": "policy",
    "aws_s3_bucket": "policy",
    "aws_s3_bucket_policy": "policy",
    "aws_s3control_access_grants_instance_resource_policy": "policy",
    "aws_s3control_access_point_policy": "policy",
    "aws_s3control_bucket_policy": "policy",
    "aws_s3control_multi_region_access_point_policy": "details.policy",
    "aws_s3control_object_lambda_access_point_policy": "policy",
    "aws_s3tables_table_bucket_policy": "resource_policy",
    "aws_s3tables_table_policy": "resource_policy",
    "aws_sagemaker_model_package_group_policy": "resource_policy",
    "aws_schemas_registry_policy": "policy",
    "aws_secretsmanager_secret": "policy",
    "aws_secretsmanager_secret_policy": "policy",
    "aws_ses_identity_policy": "policy",
    "aws_sesv2_email_identity_policy": "policy",
    "aws_sns_topic": "policy",
    "aws_sns_topic_policy": "policy",
    "aws_sqs_queue": "policy",
    "aws_sqs_queue_policy": "policy",
    "aws_vpc_endpoint": "policy",
    "aws_vpc_endpoint_policy": "policy",
    "aws_vpclattice_auth_policy": "policy",
    "aws_vpclattice_resource_policy": "policy",
    "aws_xray_resource_policy": "policy_document",
}
# Types of the schema with a policy-named document that no rule reads as a permission document, and why.
SESSION_POLICY = "a session (scope-down) policy: it narrows what the user's role allows and grants nothing itself"
DATA_PROTECTION = "a data protection policy (which data to audit or mask), not a permission document"
NOT_READ = {
    "aws_cloudfront_response_headers_policy": "HTTP response headers (Content-Security-Policy, Referrer-Policy)",
    "aws_cloudwatch_log_account_policy": "account-wide data protection, subscription filter or field index settings",
    "aws_cloudwatch_log_data_protection_policy": DATA_PROTECTION,
    "aws_cloudwatch_log_index_policy": "the log fields CloudWatch indexes",
    "aws_ecr_lifecycle_policy": "rules that expire images",
    "aws_iot_policy_attachment": "names an aws_iot_policy (read there) and the certificate it is attached to",
    "aws_networkfirewall_firewall_policy": "stream_exception_policy is a setting (drop, continue, reject)",
    "aws_networkmanager_core_network_policy_attachment": "a Cloud WAN network policy: segments and routes",
    "aws_opensearchserverless_access_policy": "OpenSearch Serverless data access rules in their own grammar "
    "(Rules and Principal lists per collection and index), not an IAM policy document: no rule reads it yet",
    "aws_opensearchserverless_lifecycle_policy": "how long OpenSearch Serverless keeps index data",
    "aws_opensearchserverless_security_policy": "OpenSearch Serverless encryption or network settings in their own "
    "grammar, not an IAM policy document: no rule reads it yet",
    "aws_rolesanywhere_profile": SESSION_POLICY,
    "aws_ses_receipt_filter": "policy is Allow or Block for an IP address range",
    "aws_sns_topic_data_protection_policy": DATA_PROTECTION,
    "aws_sqs_queue_redrive_allow_policy": "which queues may use the queue as their dead-letter queue",
    "aws_sqs_queue_redrive_policy": "where the queue sends the messages it cannot deliver",
    "aws_transfer_access": SESSION_POLICY,
    "aws_transfer_user": SESSION_POLICY,
    "aws_verifiedaccess_endpoint": "a Verified Access policy, written in Cedar, not IAM",
    "aws_verifiedaccess_group": "a Verified Access policy, written in Cedar, not IAM",
}
TRUST_POLICIES = {"aws_iam_role": "assume_role_policy"}
# Managed-policy attachments: type -> attribute(s) holding policy ARNs
ATTACHMENTS = {
    "aws_iam_role_policy_attachment": "policy_arn",
    "aws_iam_user_policy_attachment": "policy_arn",
    "aws_iam_group_policy_attachment": "policy_arn",
    "aws_iam_policy_attachment": "policy_arn",
    "aws_iam_role_policy_attachments_exclusive": "policy_arns",
    "aws_iam_user_policy_attachments_exclusive": "policy_arns",
    "aws_iam_group_policy_attachments_exclusive": "policy_arns",
    "aws_iam_role": "managed_policy_arns",
    "aws_ssoadmin_managed_policy_attachment": "managed_policy_arn",
}
IDENTITY_TYPES = (*IDENTITY_POLICIES, "aws_iam_role")
RESOURCE_TYPES = tuple(RESOURCE_POLICIES)
KEY_POLICY_TYPES = (
    "aws_kms_key",
    "aws_kms_key_policy",
    "aws_kms_replica_key",
    "aws_kms_external_key",
    "aws_kms_replica_external_key",
)


@dataclass(frozen=True)
class Read:
    """The statements a resource carries, or why some of them could not be read (never silently dropped)."""

    statements: tuple[Statement, ...]
    unreadable: tuple[str, ...]

    def failures(self) -> list[Violation]:
        """A violation per policy that could not be read: a rule fails closed on what it cannot judge."""
        return [Violation(u) for u in self.unreadable]


def identity_policies(resource: Resource) -> list[tuple[str, Any]]:
    """(label, document) of the identity policies a resource carries: its policy, or a role's inline policies."""
    if resource.type == "aws_iam_role":
        return [
            (f"inline policy {p.get('name', '')}".strip(), p.get("policy"))
            for p in blocks_of(resource.get("inline_policy"))
            if p.get("policy") is not None
        ]
    attribute = IDENTITY_POLICIES.get(resource.type)
    return [("policy", resource.get(attribute))] if attribute and resource.get(attribute) is not None else []


def resource_policies(resource: Resource) -> list[tuple[str, Any]]:
    attribute = RESOURCE_POLICIES.get(resource.type)
    if attribute:
        *blocks, name = attribute.split(".")
        holder = resource.config
        for block in blocks:
            holder = block_of(holder.get(block))  # a dynamic block no rule can read: Unreadable, named
        if holder.get(name) not in (None, ""):
            return [(f"{'key ' if resource.type in KEY_POLICY_TYPES else ''}{attribute}", holder.get(name))]
    if resource.type in TRUST_POLICIES and resource.get("assume_role_policy") is not None:
        return [("trust policy", resource.get("assume_role_policy"))]
    return []


def read(sources: list[tuple[str, Any]], view: StackView) -> Read:
    found: list[Statement] = []
    unreadable: list[str] = []
    for label, document in sources:
        try:
            found += statements(document, view, label)
        except PolicyUnreadable as error:
            unreadable.append(f"{label} cannot be analysed: {error}")
    return Read(tuple(found), tuple(unreadable))


def read_identity(resource: Resource, view: StackView) -> Read | None:
    """The identity policies a resource carries, read; None when it carries none (the rule does not apply)."""
    sources = identity_policies(resource)
    return read(sources, view) if sources else None


def attached_policy_arns(resource: Resource) -> list[Any]:
    attribute = ATTACHMENTS.get(resource.type)
    value = resource.get(attribute) if attribute else None
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
