"""IAM-PUB-001: no resource or trust policy grants anything to the public.

Public: Principal "*" (or AWS "*") or an Allow with NotPrincipal (everyone but the named), unless a condition fixes
the caller's account, organization, source ARN or network origin (the keys AWS's public-access analysis counts:
S3 User Guide, https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html).
A condition such as aws:SecureTransport does not.
"""

from policies.iam.conditions import narrows_principals
from policies.iam.principals import is_public
from policies.iam.sources import RESOURCE_TYPES, read, resource_policies
from policies.model import Rule, Violation, is_opaque, judged


def check(resource, view):
    if resource.type == "aws_lambda_permission":
        return _lambda_permission(resource)
    sources = resource_policies(resource)
    if not sources:
        return None
    found = read(sources, view)
    violations = [Violation(u) for u in found.unreadable]
    for s in found.statements:
        if s.allows and is_public(s) and not narrows_principals(s):
            who = "everyone but NotPrincipal" if s.not_principals is not None else "anyone (Principal *)"
            violations.append(Violation(f"{s.label} allows {who}", (*s.actions, *s.resources)))
    return judged(violations, "no public principal")


def _lambda_permission(permission):
    principal = permission.get("principal")
    if is_opaque(principal):
        return judged([Violation(f"principal {principal!r} cannot be read; name the principal literally")], "")
    if principal == "*" and not (permission.get("source_arn") or permission.get("source_account")):
        return judged([Violation("the permission lets anyone invoke the function", ("*",))], "")
    return judged([], "the permission names its principal")


RULE = Rule(
    id="IAM-PUB-001",
    title="Resource and trust policies grant nothing to the public",
    category="privilege",
    severity="critical",
    resource_types=(*RESOURCE_TYPES, "aws_iam_role", "aws_lambda_permission"),
    check=check,
    fix="name the principals (account, role, or service with aws:SourceAccount / aws:SourceArn) instead of * or "
    "NotPrincipal",
    checkov_ids=("CKV_AWS_70", "CKV_AWS_60", "CKV_AWS_283"),
)
