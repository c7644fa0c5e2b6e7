"""Which conditions narrow a grant, and which do not.

A condition narrows only with a positive operator (StringEquals, StringLike, ArnEquals, ArnLike, not their
`IfExists` forms, which pass when the key is absent, nor ForAllValues, which passes on an empty set) and values
that are not wildcards. `aws:SecureTransport`, `aws:RequestedRegion`, `aws:MultiFactorAuthPresent` and the like
say how a request is made, not what it reaches: they never narrow.
"""

from __future__ import annotations

from policies.iam.catalog import Action
from policies.iam.documents import Condition, Statement

POSITIVE = {"stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike"}

# Keys that confine a grant on "*" to the resources of one owner or one purpose, with the AWS page that says so.
RESOURCE_NARROWING = {
    "aws:resourcetag/": "ABAC: only resources carrying the tag (IAM User Guide, attribute-based access control)",
    ":resourcetag/": "ABAC on the service's own tag key",
    "cloudwatch:namespace": "PutMetricData only into the named namespaces (CloudWatch: cloudwatch:namespace)",
    "ec2:vpc": "network interfaces of one VPC only",
    "ec2:subnet": "network interfaces of the named subnets only",
    "ec2:createaction": "tags only as part of the named create call (EC2: tag on create)",
    "secretsmanager:secretid": "the named secrets only",
    "kms:viaservice": "only through the named AWS service (with kms:CallerAccount: for this account)",
}
# Keys that confine who may use a grant to one account, organization or source, as AWS's public-access analysis
# counts them (S3 User Guide, "The meaning of public": fixed values of these keys make a policy non-public).
PRINCIPAL_NARROWING = (
    "aws:sourcearn",
    "aws:sourceaccount",
    "aws:sourceowner",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourceip",
    "aws:userid",
    "aws:principalarn",
    "aws:principalaccount",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "s3:dataaccesspointarn",
    "s3:dataaccesspointaccount",
    "kms:calleraccount",
    "kms:encryptioncontext:",
    "iot:connection.thing.",
)


def fixed(condition: Condition) -> bool:
    """A positive test against values that are not wildcards."""
    if condition.if_exists or condition.operator.lower().startswith("forallvalues:"):
        return False
    if condition.base_operator not in POSITIVE or not condition.values:
        return False
    return all(_fixed_value(v) for v in condition.values)


def _fixed_value(value: str) -> bool:
    text = value.strip()
    if text in ("", "*") or text.startswith("*"):
        return False
    if text.startswith("arn:"):
        parts = text.split(":", 5)
        return len(parts) == 6 and not any(c in p for p in parts[1:5] for c in "*?")
    return text not in ("0.0.0.0/0", "::/0")


def narrows_resources(statement: Statement, action: Action) -> str:
    """Why the statement's conditions confine `action` on "*", or "" when they do not."""
    keys = {c.key for c in statement.conditions if fixed(c)}
    for key in sorted(keys):
        if key == "kms:viaservice" and "kms:calleraccount" not in keys:
            continue
        for family, why in RESOURCE_NARROWING.items():
            matches = key.startswith(family) if family.endswith(("/", ":")) else key == family
            matches = matches or (family.startswith(":") and family in key)
            if matches and (key.startswith("aws:") or _applies(key, action)):
                return f"{key}: {why}"
    return ""


def narrows_principals(statement: Statement) -> str:
    for condition in statement.conditions:
        if fixed(condition) and any(
            condition.key == k or (k.endswith((":", ".")) and condition.key.startswith(k)) for k in PRINCIPAL_NARROWING
        ):
            return condition.key
    return ""


def _applies(key: str, action: Action) -> bool:
    for known in action.condition_keys:
        if known == key:
            return True
        stem = known.split("${", 1)[0]
        if "${" in known and key.startswith(stem):
            return True
        if known.endswith("/tag-key") and key.startswith(known[: -len("tag-key")]):
            return True
    return False
