"""IAM-PUB-001: no resource or trust policy allows Principal "*" without a condition."""

from policies.iam import principal_ids
from policies.model import Rule, fail, ok
from policies.policy_sources import RESOURCE_POLICY_TYPES, read_sources, sid


def check(resource, view):
    if resource.type == "aws_iam_role":
        sources = [("trust policy", resource.get("assume_role_policy"))]
    elif resource.type == "aws_lambda_permission":
        if resource.get("principal") == "*" and not resource.get("source_arn"):
            return fail("Lambda permission lets anyone invoke the function")
        return ok("Lambda permission names its principal")
    else:
        sources = [("policy", resource.get("policy"))] if resource.get("policy") else []
    if not sources:
        return None
    found, unreadable = read_sources(sources, view)
    if unreadable:
        return fail(unreadable)
    for label, s in found:
        if s["Effect"] == "Allow" and "*" in principal_ids(s) and not s["Condition"]:
            return fail(f"{label} statement {sid(s)} allows anyone (Principal *)")
    return ok("no unconditioned public principal")


RULE = Rule(
    id="IAM-PUB-001",
    title="Resource and trust policies grant nothing to the public",
    category="privilege",
    severity="critical",
    resource_types=(*RESOURCE_POLICY_TYPES, "aws_iam_role", "aws_lambda_permission"),
    check=check,
    fix="name the principals (account, role or service with aws:SourceAccount) instead of *",
    checkov_ids=("CKV_AWS_70", "CKV_AWS_60", "CKV_AWS_364"),
)
