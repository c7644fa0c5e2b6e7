"""The forms that must fail IOT-LOG-001 and those that must pass it, AWS's documented form among them
(IoT Core logging is enabled)."""

from policies.fixtures import Form, doc

S = "aws_iot_topic_rule.r"
RULE = {
    "aws_iot_topic_rule": {"r": {"name": "r", "sql": "SELECT * FROM 'a'", "sql_version": "2016-03-23", "enabled": True}}
}
FAIL = [
    Form("no logging options", S, doc(RULE)),
    Form(
        "logging disabled",
        S,
        doc({**RULE, "aws_iot_logging_options": {"l": {"default_log_level": "DISABLED", "role_arn": "r"}}}),
    ),
    Form(
        "all logs disabled flag",
        S,
        doc(
            {
                **RULE,
                "aws_iot_logging_options": {
                    "l": {"default_log_level": "WARN", "disable_all_logs": True, "role_arn": "r"}
                },
            }
        ),
    ),
    Form(
        "level from a variable",
        S,
        doc({**RULE, "aws_iot_logging_options": {"l": {"default_log_level": "${var.level}", "role_arn": "r"}}}),
    ),
    Form("no level set", S, doc({**RULE, "aws_iot_logging_options": {"l": {"role_arn": "r"}}})),
]
PASS = [
    Form(
        "WARN",
        S,
        doc({**RULE, "aws_iot_logging_options": {"l": {"default_log_level": "WARN", "role_arn": "r"}}}),
        "https://docs.aws.amazon.com/iot/latest/developerguide/configure-logging.html",
    ),
    Form("INFO", S, doc({**RULE, "aws_iot_logging_options": {"l": {"default_log_level": "INFO", "role_arn": "r"}}})),
    Form("ERROR", S, doc({**RULE, "aws_iot_logging_options": {"l": {"default_log_level": "ERROR", "role_arn": "r"}}})),
]
