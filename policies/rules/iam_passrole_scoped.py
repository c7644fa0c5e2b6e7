"""IAM-LP-003: iam:PassRole names the roles it may pass; never "*" or any role."""

from policies.model import Rule, fail, ok
from policies.policy_sources import IDENTITY_POLICY_TYPES, policy_values, read_sources, sid


def check(resource, view):
    sources = policy_values(resource)
    if not sources:
        return None
    found, unreadable = read_sources(sources, view)
    if unreadable:
        return fail(unreadable)
    for label, s in found:
        passes = any(str(a).lower() in ("iam:passrole", "iam:*", "*") for a in s["Action"])
        if s["Effect"] == "Allow" and passes and any(r == "*" or r.endswith(":role/*") for r in s["Resource"]):
            return fail(f"{label} statement {sid(s)} lets the principal pass any role")
    return ok("no unbounded iam:PassRole")


RULE = Rule(
    id="IAM-LP-003",
    title="iam:PassRole is limited to named roles",
    category="privilege",
    severity="critical",
    resource_types=(*IDENTITY_POLICY_TYPES, "aws_iam_role"),
    check=check,
    fix="list the role ARNs that may be passed and add an iam:PassedToService condition",
)
