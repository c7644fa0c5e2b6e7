"""The forms that must fail LOG-RET-001 and those that must pass it, AWS's documented form among them
(CloudWatch log groups have a retention period)."""

from policies.fixtures import Form, doc

S = "aws_cloudwatch_log_group.g"


def group(**config):
    return doc({"aws_cloudwatch_log_group": {"g": {"kms_key_id": "alias/x", **config}}})


FAIL = [
    Form("no retention (kept forever)", S, group()),
    Form("retention 0", S, group(retention_in_days=0)),
    Form("7 days", S, group(retention_in_days=7)),
    Form("14 days written as a string (Terraform converts it to 14)", S, group(retention_in_days="14")),
    Form("retention from a variable", S, group(retention_in_days="${var.days}")),
]
PASS = [
    Form(
        "30 days",
        S,
        group(retention_in_days=30),
        "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/Working-with-log-groups-and-streams.html",
    ),
    Form("a year", S, group(retention_in_days=365)),
    Form("ten years", S, group(retention_in_days=3653)),
    Form("30 days written as a string (Terraform JSON converts it to a number)", S, group(retention_in_days="30")),
]
