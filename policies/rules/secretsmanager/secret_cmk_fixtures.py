"""SEC-ENC-001 forms."""

from policies.fixtures import cmk_forms

FAIL, PASS = cmk_forms(
    "aws_secretsmanager_secret",
    "kms_key_id",
    {"name": "s"},
    "https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html",
)
