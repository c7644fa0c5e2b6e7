"""LOG-ENC-001 forms."""

from policies.fixtures import cmk_forms

FAIL, PASS = cmk_forms(
    "aws_cloudwatch_log_group",
    "kms_key_id",
    {"retention_in_days": 30},
    "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html",
)
