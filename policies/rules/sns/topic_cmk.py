"""SNS-ENC-001: an SNS topic is encrypted with a customer-managed key, not alias/aws/sns."""

from policies.lookups import customer_managed_key
from policies.model import Rule, fail, ok


def check(topic, view):
    is_cmk, why = customer_managed_key(topic.get("kms_master_key_id"), view)
    return ok("encrypted with a CMK") if is_cmk else fail(f"topic key: {why}")


RULE = Rule(
    id="SNS-ENC-001",
    title="SNS topics are encrypted with a customer-managed key",
    category="encryption",
    severity="high",
    resource_types=("aws_sns_topic",),
    check=check,
    fix="set kms_master_key_id to a CMK that lets cloudwatch.amazonaws.com GenerateDataKey",
    covers=("CKV_AWS_26",),
)
