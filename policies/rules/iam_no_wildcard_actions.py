"""IAM-LP-001: no policy, in any form, allows "*" or "service:*" actions (or NotAction)."""

from policies.model import Rule, fail, ok
from policies.policy_sources import POLICY_TYPES, policy_values, read_sources, sid


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
        wide = [a for a in s["Action"] if a == "*" or str(a).endswith(":*")]
        if wide:
            return fail(f"{label} statement {sid(s)} allows {', '.join(wide)}")
        if s["NotAction"]:
            return fail(f"{label} statement {sid(s)} allows everything but NotAction")
    return ok("every allowed action is named")


RULE = Rule(
    id="IAM-LP-001",
    title="Policies name their actions (no * or service:*)",
    category="privilege",
    severity="critical",
    resource_types=POLICY_TYPES,
    check=check,
    fix="list the exact actions the principal calls (e.g. kinesis:GetRecords), never * or service:*",
    checkov_ids=("CKV_AWS_289", "CKV_AWS_290", "CKV_AWS_355", "CKV_AWS_286", "CKV_AWS_288"),
)
