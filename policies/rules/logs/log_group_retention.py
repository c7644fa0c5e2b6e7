"""LOG-RET-001: a CloudWatch log group keeps logs for a set time: at least 30 days, 365 in production."""

from policies.model import Rule, fail, ok


def retention_at_least(minimum):
    def check(group, view):
        days = group.number("retention_in_days")
        if days is None or days <= 0:
            return fail("log group has no retention (logs kept forever or not at all by policy)")
        if days < minimum:
            return fail(f"log group keeps logs {days:g} days, less than {minimum}")
        return ok(f"retained {days:g} days")

    return check


RULE = Rule(
    id="LOG-RET-001",
    title="CloudWatch log groups have a retention period",
    category="logging",
    severity="medium",
    resource_types=("aws_cloudwatch_log_group",),
    check=retention_at_least(30),
    fix="set retention_in_days >= 30",
    covers=("CKV_AWS_66",),
)
