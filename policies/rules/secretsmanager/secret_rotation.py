"""SEC-ROT-001: every Secrets Manager secret, created or fetched, rotates automatically, at least every
MAX_ROTATION_DAYS days.

The schedule is the rotation's `rotation_rules`: `automatically_after_days`, or a `schedule_expression` as Secrets
Manager writes it, `rate(N days)`, `rate(N hours)` or `cron(...)` (policies/schedules.py: a cron passes when no two
of its rotations are more than MAX_ROTATION_DAYS days apart; monthly on the 1st leaves 31). Secrets Manager User
Guide, "Rotation schedules": https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_schedule.html.
AWS Config's SECRETSMANAGER_ROTATION_ENABLED_CHECK re-checks the running account against the same maximum
(`maximumAllowedRotationFrequency`, set from MAX_ROTATION_DAYS in infra/components/detective_controls.py).
"""

from policies.model import Rule, Unreadable, Violation, block_of, fail, is_reference, judged
from policies.schedules import ScheduleError, longest_gap_days

MAX_ROTATION_DAYS = 30  # the catalog's maximum time between rotations (CTL-SEC-01), in days
DAYS, EXPRESSION = "rotation_rules.automatically_after_days", "rotation_rules.schedule_expression"


def check(secret, view):
    rotations = view.referencing(secret, "aws_secretsmanager_secret_rotation", attribute="secret_id")
    if not rotations:
        return fail("secret has no aws_secretsmanager_secret_rotation")
    violations = [v for rotation in rotations for v in _schedule(rotation)]
    return judged(violations, f"rotated automatically at least every {MAX_ROTATION_DAYS} days")


def _schedule(rotation):
    """Violations of one rotation's schedule: none, a schedule Secrets Manager refuses, or one too long."""
    rules = block_of(rotation.get("rotation_rules"))
    written = {
        f: rules.get(f.split(".")[1]) for f in (DAYS, EXPRESSION) if rules.get(f.split(".")[1]) not in (None, "")
    }
    if not written:
        return [Violation(f"{rotation.address} has no schedule: set {DAYS} or {EXPRESSION}", ("rotation_rules",))]
    found = []
    for field, value in written.items():
        try:
            gap = _gap(rotation, field, value)
        except ScheduleError as error:
            found.append(Violation(f"{rotation.address} {field} {value!r}: {error}", (field,)))
            continue
        if gap > MAX_ROTATION_DAYS:
            leaves = f"leaves up to {round(gap, 1):g} days between rotations" if gap < float("inf") else "never runs"
            found.append(
                Violation(
                    f"{rotation.address} {field} {value!r} {leaves}; at most {MAX_ROTATION_DAYS} are allowed", (field,)
                )
            )
    return found


def _gap(rotation, field, value):
    """The longest time in days between two rotations the value allows. Unreadable (the rule fails closed, naming
    the field) when only Terraform can evaluate it; ScheduleError when Secrets Manager would refuse it."""
    if field == DAYS:
        days = rotation.number(field, value)
        if not 1 <= days <= 1000:
            raise ScheduleError("Secrets Manager takes 1 to 1000 days")
        return days
    if not isinstance(value, str) or is_reference(value):
        raise Unreadable(
            f"{field} is {value!r}, which only Terraform can evaluate: write the rate() or cron() expression "
            "literally, or suppress the rule on this construct with a reason"
        )
    return longest_gap_days(value)


RULE = Rule(
    id="SEC-ROT-001",
    title="Secrets rotate automatically",
    category="secrets",
    severity="high",
    resource_types=("aws_secretsmanager_secret",),
    modes=("resource", "data"),
    check=check,
    fix=f"add aws_secretsmanager_secret_rotation with a rotation Lambda and rotation_rules of at most "
    f"{MAX_ROTATION_DAYS} days (automatically_after_days, rate(N days|hours) or a cron that runs that often)",
    covers=("CKV2_AWS_57",),
)
