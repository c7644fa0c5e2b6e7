"""IAM policy documents as data: statements in, `aws_iam_policy_document` out (exact actions, exact ARNs)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from constructs import Construct

from infra import aws


@dataclass(frozen=True)
class Statement:
    sid: str
    actions: Sequence[str]
    resources: Sequence[str] = ()
    effect: str = "Allow"
    principals: dict[str, Sequence[str]] = field(default_factory=dict)
    conditions: Sequence[tuple[str, str, Sequence[str]]] = ()  # (test, variable, values)


def policy_document(scope: Construct, id_: str, statements: Sequence[Statement]) -> aws.DataAwsIamPolicyDocument:
    return aws.DataAwsIamPolicyDocument(
        scope,
        id_,
        statement=[
            aws.DataAwsIamPolicyDocumentStatement(
                sid=s.sid,
                effect=s.effect,
                actions=list(s.actions),
                resources=list(s.resources) or None,
                principals=[
                    aws.DataAwsIamPolicyDocumentStatementPrincipals(type=kind, identifiers=list(ids))
                    for kind, ids in s.principals.items()
                ]
                or None,
                condition=[
                    aws.DataAwsIamPolicyDocumentStatementCondition(test=test, variable=var, values=list(values))
                    for test, var, values in s.conditions
                ]
                or None,
            )
            for s in statements
        ],
    )


def service_role(
    scope: Construct, id_: str, name: str, service: str, statements: Sequence[Statement], account_id: str
) -> aws.IamRole:
    """A role that one AWS service in this account may assume, with one inline least-privilege policy."""
    trust = policy_document(
        scope,
        f"{id_}-trust",
        [
            Statement(
                sid="ServiceAssume",
                actions=["sts:AssumeRole"],
                principals={"Service": [service]},
                conditions=[("StringEquals", "aws:SourceAccount", [account_id])],
            )
        ],
    )
    role = aws.IamRole(scope, id_, name=name, assume_role_policy=trust.json, max_session_duration=3600)
    if statements:
        document = policy_document(scope, f"{id_}-policy-doc", statements)
        aws.IamRolePolicy(scope, f"{id_}-policy", role=role.id, name=f"{name}-least-privilege", policy=document.json)
    return role
