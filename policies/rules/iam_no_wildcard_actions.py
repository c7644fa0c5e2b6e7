"""IAM-LP-001: no policy, in any form, allows "*" or "service:*" actions (or NotAction)."""

from policies.iam import PolicyUnreadable, statements
from policies.model import Rule, fail, ok
from policies.policy_sources import POLICY_TYPES, policy_values


def check(resource, view):
    sources = policy_values(resource)
    if not sources:
        return None
    for label, policy in sources:
        try:
            found = statements(policy, view)
        except PolicyUnreadable as error:
            return fail(f"{label} cannot be analysed: {error}")
        for s in (s for s in found if s["Effect"] == "Allow"):
            wide = [a for a in s["Action"] if a == "*" or str(a).endswith(":*")]
            if wide:
                return fail(f"{label} statement {s['Sid'] or '(no Sid)'} allows {', '.join(wide)}")
            if s["NotAction"]:
                return fail(f"{label} statement {s['Sid'] or '(no Sid)'} allows everything but NotAction")
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
