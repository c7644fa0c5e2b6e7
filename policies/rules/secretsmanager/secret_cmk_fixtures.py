"""The forms that must fail SEC-ENC-001 and those that must pass it, AWS's documented form among them
(Secrets are encrypted with a customer-managed key)."""

from policies.fixtures import cmk_forms

FAIL, PASS = cmk_forms(
    "aws_secretsmanager_secret",
    "kms_key_id",
    {"name": "s"},
    "https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html",
)
