"""The forms that must fail SNS-ENC-001 and those that must pass it, AWS's documented form among them
(SNS topics are encrypted with a customer-managed key)."""

from policies.fixtures import cmk_forms

FAIL, PASS = cmk_forms(
    "aws_sns_topic",
    "kms_master_key_id",
    {"name": "t"},
    "https://docs.aws.amazon.com/sns/latest/dg/sns-server-side-encryption.html",
)
