"""KMS-POL-001: a key has an explicit policy that never allows an unconditioned public principal."""

from policies.iam import PolicyUnreadable, principal_ids, statements
from policies.model import Rule, fail, ok


def check(key, view):
    policy = key.get("policy")
    attached = view.referencing(key, "aws_kms_key_policy", attribute="key_id")
    policy = policy or (attached[0].get("policy") if attached else None)
    if not policy:
        return fail("key has no explicit key policy (the default trusts every IAM principal in the account)")
    try:
        for s in statements(policy, view):
            if s["Effect"] == "Allow" and "*" in principal_ids(s) and not s["Condition"]:
                return fail(f"statement {s['Sid'] or '(no Sid)'} allows Principal * without a condition")
    except PolicyUnreadable as error:
        return fail(f"key policy cannot be analysed: {error}")
    return ok("explicit key policy without public principals")


RULE = Rule(
    id="KMS-POL-001",
    title="KMS keys have explicit least-privilege key policies",
    category="privilege",
    severity="high",
    resource_types=("aws_kms_key",),
    check=check,
    fix="set policy with named principals; bind any service principal with aws:SourceAccount or kms:CallerAccount",
    checkov_ids=("CKV_AWS_33",),
)
