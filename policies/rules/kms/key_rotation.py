"""KMS-ROT-001: a symmetric customer-managed key rotates automatically."""

from policies.model import Rule, fail, ok


def check(key, view):
    if key.get("customer_master_key_spec", "SYMMETRIC_DEFAULT") != "SYMMETRIC_DEFAULT":
        return None  # AWS rotates only symmetric encryption keys
    return ok("rotation enabled") if key.flag("enable_key_rotation") is True else fail("key rotation is off")


RULE = Rule(
    id="KMS-ROT-001",
    title="KMS keys rotate automatically",
    category="encryption",
    severity="high",
    resource_types=("aws_kms_key",),
    check=check,
    fix="set enable_key_rotation = true",
    covers=("CKV_AWS_7",),
)
