"""SEC-ROT-001: every Secrets Manager secret, created or fetched, has automatic rotation in the stack."""

from policies.model import Rule, fail, is_opaque, ok


def check(secret, view):
    rotations = view.referencing(secret, "aws_secretsmanager_secret_rotation", attribute="secret_id")
    if not rotations:
        return fail("secret has no aws_secretsmanager_secret_rotation")
    rules = rotations[0].get("rotation_rules") or {}
    rules = rules[0] if isinstance(rules, list) and rules else rules
    schedule = rules.get("automatically_after_days") or rules.get("schedule_expression")
    if not schedule:
        return fail("rotation has no schedule")
    if is_opaque(schedule):
        return fail(f"rotation schedule {schedule!r} cannot be read; write it literally")
    return ok("rotated automatically")


RULE = Rule(
    id="SEC-ROT-001",
    title="Secrets rotate automatically",
    category="secrets",
    severity="high",
    resource_types=("aws_secretsmanager_secret",),
    modes=("resource", "data"),
    check=check,
    fix="add aws_secretsmanager_secret_rotation with a rotation Lambda and rotation_rules",
    covers=("CKV2_AWS_57",),
)
