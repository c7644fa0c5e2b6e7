"""ENV-ACCT-001 in AWS provider 6 form: a resource's own `region` argument puts an account-wide singleton in another
region of the same account, where it is as account-wide as in the provider's region."""

from policies.fixtures import Form
from policies.rules.general.account_singletons_fixtures import LF_SETTINGS, _kind

REGIONS = "https://registry.terraform.io/providers/hashicorp/aws/latest/docs/guides/enhanced-region-support"
IRELAND_LF = {
    "aws_lakeformation_data_lake_settings": {
        "s": {**LF_SETTINGS["aws_lakeformation_data_lake_settings"]["s"], "region": "eu-west-1"}
    }
}
IOT_LOGGING = {"aws_iot_logging_options": {"l": {"default_log_level": "WARN", "role_arn": "r", "region": "us-east-1"}}}

FAIL = [
    Form(
        "Lake Formation settings of another region in an environment",
        "aws_lakeformation_data_lake_settings.s",
        _kind("environment", IRELAND_LF),
    ),
    Form("IoT logging of another region in an undeclared stack", "aws_iot_logging_options.l", _kind(None, IOT_LOGGING)),
]
PASS = [
    Form(
        "Lake Formation settings of another region in the account baseline",
        "aws_lakeformation_data_lake_settings.s",
        _kind("account-baseline", IRELAND_LF),
        REGIONS,
    ),
    Form(
        "IoT logging of another region in the account baseline",
        "aws_iot_logging_options.l",
        _kind("account-baseline", IOT_LOGGING),
    ),
]
