"""The forms that must fail IOT-ERR-001 and those that must pass it, AWS's documented form among them
(IoT topic rules keep failed messages)."""

from policies.fixtures import Form, doc

S = "aws_iot_topic_rule.r"


def rule(error_action=None):
    body = {"name": "r", "sql": "SELECT * FROM 'a'", "sql_version": "2016-03-23", "enabled": True}
    if error_action is not None:
        body["error_action"] = error_action
    return doc({"aws_iot_topic_rule": {"r": body}})


FAIL = [
    Form("no error action", S, rule()),
    Form("empty error action", S, rule({})),
    Form("empty list", S, rule([])),
    Form("error action with an empty target", S, rule({"s3": []})),
    Form("error action from a variable", S, rule("${var.error}")),
]
PASS = [
    Form(
        "S3 quarantine",
        S,
        rule({"s3": {"bucket_name": "q", "key": "k", "role_arn": "r"}}),
        "https://docs.aws.amazon.com/iot/latest/developerguide/rule-error-handling.html",
    ),
    Form("CloudWatch Logs", S, rule({"cloudwatch_logs": [{"log_group_name": "g", "role_arn": "r"}]})),
    Form("SQS", S, rule([{"sqs": {"queue_url": "u", "role_arn": "r", "use_base64": False}}])),
]
