"""SNS-ENC-001 forms."""

from policies.fixtures import cmk_forms

FAIL, PASS = cmk_forms(
    "aws_sns_topic",
    "kms_master_key_id",
    {"name": "t"},
    "https://docs.aws.amazon.com/sns/latest/dg/sns-server-side-encryption.html",
)
