"""IAM-LP-002: identity policies name their ARNs; "*" only for listed AWS-required actions, with a condition."""

from policies.model import Rule, fail, ok
from policies.policy_sources import (
    IDENTITY_POLICY_TYPES,
    WILDCARD_RESOURCE_ACTIONS,
    policy_values,
    read_sources,
    sid,
)


def check(resource, view):
    sources = policy_values(resource)
    if not sources:
        return None
    found, unreadable = read_sources(sources, view)
    if unreadable:
        return fail(unreadable)
    for label, s in found:
        if s["Effect"] != "Allow":
            continue
        if s["NotResource"]:
            return fail(f"{label} statement {sid(s)} allows every resource but NotResource")
        if "*" not in s["Resource"]:
            continue
        unlisted = [a for a in s["Action"] if str(a).lower() not in WILDCARD_RESOURCE_ACTIONS]
        if unlisted:
            return fail(f"{label} statement {sid(s)} allows {', '.join(unlisted)} on every resource")
        if not s["Condition"]:
            return fail(f"{label} statement {sid(s)} uses Resource * without a condition")
    return ok("resources are named ARNs or listed exceptions with conditions")


RULE = Rule(
    id="IAM-LP-002",
    title="Identity policies name their resources",
    category="privilege",
    severity="high",
    resource_types=(*IDENTITY_POLICY_TYPES, "aws_iam_role"),
    check=check,
    fix='name exact ARNs; Resource "*" only for actions listed in policies/policy_sources.py, with a condition',
    checkov_ids=("CKV_AWS_355", "CKV_AWS_290"),
)
