"""LOG-ENC-001: a CloudWatch log group is encrypted with a customer-managed key."""

from policies.lookups import customer_managed_key
from policies.model import Rule, fail, ok


def check(group, view):
    is_cmk, why = customer_managed_key(group.get("kms_key_id"), view)
    return ok("encrypted with a CMK") if is_cmk else fail(f"log group key: {why}")


RULE = Rule(
    id="LOG-ENC-001",
    title="CloudWatch log groups are encrypted with a customer-managed key",
    category="encryption",
    severity="high",
    resource_types=("aws_cloudwatch_log_group",),
    check=check,
    fix="set kms_key_id to a CMK whose policy lets logs.<region>.amazonaws.com use it",
    covers=("CKV_AWS_158",),
)
