"""ENV-ACCT-001 forms: account-wide resources in stacks that are (or do not say they are) an environment, and the
same resources where they belong, in a stack that declares itself the account baseline."""

from typing import Any

from policies.fixtures import Form, doc


def _kind(kind: str | None, resources: dict[str, Any]) -> dict[str, Any]:
    """A document whose stack declares `kind` in its "//" metadata (None: undeclared, which counts as environment)."""
    document = doc(resources)
    if kind is not None:
        document["//"] = {"guardrails": {"stack_kind": kind}}
    return document


LOG_KEY = {"kms_key_id": "${aws_kms_key.k.arn}", "retention_in_days": 365}
LF_SETTINGS = {"aws_lakeformation_data_lake_settings": {"s": {"admins": ["arn:aws:iam::111122223333:role/admin"]}}}
IOT_LOG_GROUP = {"aws_cloudwatch_log_group": {"g": {"name": "AWSIotLogsV2", **LOG_KEY}}}
CATALOG = {
    "aws_glue_data_catalog_encryption_settings": {
        "c": {
            "data_catalog_encryption_settings": {
                "encryption_at_rest": {"catalog_encryption_mode": "SSE-KMS"},
                "connection_password_encryption": {"return_connection_password_encrypted": True},
            }
        }
    }
}
SERVICE_LINKED = {"aws_iam_service_linked_role": {"slr": {"aws_service_name": "iot.amazonaws.com"}}}

FAIL = [
    Form(
        "Lake Formation settings in an environment",
        "aws_lakeformation_data_lake_settings.s",
        _kind("environment", LF_SETTINGS),
    ),
    Form(
        "catalog encryption in an undeclared stack", "aws_glue_data_catalog_encryption_settings.c", _kind(None, CATALOG)
    ),
    Form(
        "IoT logging options in an environment",
        "aws_iot_logging_options.l",
        _kind("environment", {"aws_iot_logging_options": {"l": {"default_log_level": "WARN", "role_arn": "r"}}}),
    ),
    Form(
        "the AWSIotLogsV2 log group in an environment",
        "aws_cloudwatch_log_group.g",
        _kind("environment", IOT_LOG_GROUP),
    ),
    Form(
        "a Config recorder in an environment",
        "aws_config_configuration_recorder.r",
        _kind("environment", {"aws_config_configuration_recorder": {"r": {"name": "r", "role_arn": "x"}}}),
    ),
    Form(
        "a misspelled kind is no baseline",
        "aws_guardduty_detector.d",
        _kind("Account-Baseline", {"aws_guardduty_detector": {"d": {"enable": True}}}),
    ),
    Form("a service-linked role without suffix", "aws_iam_service_linked_role.slr", _kind(None, SERVICE_LINKED)),
    Form(
        "a device domain configuration in an environment",
        "aws_iot_domain_configuration.d",
        _kind("environment", {"aws_iot_domain_configuration": {"d": {"name": "d", "service_type": "DATA"}}}),
    ),
]
PASS = [
    Form(
        "Lake Formation settings in the account baseline",
        "aws_lakeformation_data_lake_settings.s",
        _kind("account-baseline", LF_SETTINGS),
        "https://docs.aws.amazon.com/lake-formation/latest/dg/initial-lf-config.html",
    ),
    Form(
        "the IoT log group in the account baseline",
        "aws_cloudwatch_log_group.g",
        _kind("account-baseline", IOT_LOG_GROUP),
    ),
    Form(
        "account public access block in the account baseline",
        "aws_s3_account_public_access_block.b",
        _kind("account-baseline", {"aws_s3_account_public_access_block": {"b": {"block_public_acls": True}}}),
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/configuring-block-public-access-account.html",
    ),
    Form(
        "a service-linked role in the account baseline",
        "aws_iam_service_linked_role.slr",
        _kind("account-baseline", SERVICE_LINKED),
    ),
]
