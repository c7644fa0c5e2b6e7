"""Where policies live on resources: identity policies, resource policies, and the named `*`-resource exceptions."""

from __future__ import annotations

from typing import Any

from policies.iam import PolicyUnreadable, statements
from policies.model import Resource, StackView, blocks_of

IDENTITY_POLICY_TYPES = ("aws_iam_policy", "aws_iam_role_policy", "aws_iam_user_policy", "aws_iam_group_policy")
RESOURCE_POLICY_TYPES = (
    "aws_s3_bucket_policy",
    "aws_sns_topic_policy",
    "aws_sqs_queue_policy",
    "aws_secretsmanager_secret_policy",
    "aws_kms_key",
    "aws_iot_policy",
)
POLICY_TYPES = (*IDENTITY_POLICY_TYPES, "aws_iam_role", *RESOURCE_POLICY_TYPES)

# Actions AWS grants only on "*": allowed there when the statement has a condition. The reason goes in reports.
WILDCARD_RESOURCE_ACTIONS = {
    "cloudwatch:putmetricdata": "no resource-level permissions; scope with the cloudwatch:namespace condition",
    "lakeformation:getdataaccess": "no resource-level permissions; Lake Formation grants decide what is readable",
    "secretsmanager:getrandompassword": "no resource-level permissions; generates a value, reads no secret",
    "ec2:describenetworkinterfaces": "EC2 Describe calls have no resource-level permissions",
    "ec2:describesubnets": "EC2 Describe calls have no resource-level permissions",
    "ec2:describesecuritygroups": "EC2 Describe calls have no resource-level permissions",
    "ec2:describevpcendpoints": "EC2 Describe calls have no resource-level permissions",
    "ec2:describeroutetables": "EC2 Describe calls have no resource-level permissions",
    "ec2:describevpcattribute": "EC2 Describe calls have no resource-level permissions",
    "xray:puttracesegments": "no resource-level permissions",
    "xray:puttelemetryrecords": "no resource-level permissions",
}


def policy_values(resource: Resource) -> list[tuple[str, Any]]:
    """(label, policy) pairs a resource carries; a role's trust policy is read by the public-principal rule."""
    if resource.type == "aws_iam_role":
        return [
            (f"inline policy {p.get('name', '')}", p.get("policy")) for p in blocks_of(resource.get("inline_policy"))
        ]
    if resource.get("policy") is None:
        return []
    return [("policy", resource.get("policy"))]


def is_identity_policy(resource: Resource) -> bool:
    return resource.type in (*IDENTITY_POLICY_TYPES, "aws_iam_role")


def read_sources(sources: list[tuple[str, Any]], view: StackView) -> tuple[list[tuple[str, dict[str, Any]]], str]:
    """(label, statement) for every statement of every source, or ([], why) for the first unreadable source."""
    found: list[tuple[str, dict[str, Any]]] = []
    for label, policy in sources:
        try:
            found += [(label, s) for s in statements(policy, view)]
        except PolicyUnreadable as error:
            return [], f"{label} cannot be analysed: {error}"
    return found, ""


def sid(statement: dict[str, Any]) -> str:
    return statement["Sid"] or "(no Sid)"
