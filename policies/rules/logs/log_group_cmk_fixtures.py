"""The forms that must fail LOG-ENC-001 and those that must pass it, AWS's documented form among them
(CloudWatch log groups are encrypted with a customer-managed key)."""

from policies.fixtures import cmk_forms

FAIL, PASS = cmk_forms(
    "aws_cloudwatch_log_group",
    "kms_key_id",
    {"retention_in_days": 30},
    "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html",
)
