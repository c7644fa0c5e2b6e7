"""Where a policy or a grant can live in AWS provider 5.100, and what each place means.

Identity policies (attached to a principal) and resource policies (attached to a resource, naming principals) are
told apart, because `Resource "*"` means "every resource" in the first and "this resource" in the second.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from policies.iam.documents import PolicyUnreadable, Statement, statements
from policies.model import Resource, StackView, Violation, blocks_of

# type -> attribute holding an identity policy document
IDENTITY_POLICIES = {
    "aws_iam_policy": "policy",
    "aws_iam_role_policy": "policy",
    "aws_iam_user_policy": "policy",
    "aws_iam_group_policy": "policy",
    "aws_ssoadmin_permission_set_inline_policy": "inline_policy",
}
# type -> attribute holding a resource policy document (the policy of the resource it names)
RESOURCE_POLICIES = {
    "aws_s3_bucket": "policy",
    "aws_s3_bucket_policy": "policy",
    "aws_s3_access_point": "policy",
    "aws_s3control_access_point_policy": "policy",
    "aws_s3control_bucket_policy": "policy",
    "aws_sns_topic": "policy",
    "aws_sns_topic_policy": "policy",
    "aws_sqs_queue": "policy",
    "aws_sqs_queue_policy": "policy",
    "aws_secretsmanager_secret": "policy",
    "aws_secretsmanager_secret_policy": "policy",
    "aws_kms_key": "policy",
    "aws_kms_key_policy": "policy",
    "aws_ecr_repository_policy": "policy",
    "aws_ecr_registry_policy": "policy",
    "aws_ecrpublic_repository_policy": "policy",
    "aws_glue_resource_policy": "policy",
    "aws_kinesis_resource_policy": "policy",
    "aws_dynamodb_resource_policy": "policy",
    "aws_cloudwatch_log_resource_policy": "policy_document",
    "aws_cloudwatch_log_destination_policy": "access_policy",
    "aws_cloudwatch_event_bus_policy": "policy",
    "aws_efs_file_system_policy": "policy",
    "aws_backup_vault_policy": "policy",
    "aws_opensearch_domain_policy": "access_policies",
    "aws_elasticsearch_domain_policy": "access_policies",
    "aws_api_gateway_rest_api_policy": "policy",
    "aws_vpc_endpoint": "policy",
    "aws_vpc_endpoint_policy": "policy",
    "aws_glacier_vault": "access_policy",
    "aws_iot_policy": "policy",  # an IoT policy: identity-like, attached to certificates and things
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
KEY_POLICY_TYPES = ("aws_kms_key", "aws_kms_key_policy")


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
    if attribute and resource.get(attribute) not in (None, ""):
        return [(f"{'key ' if resource.type in KEY_POLICY_TYPES else ''}{attribute}", resource.get(attribute))]
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
