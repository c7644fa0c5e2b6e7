"""The forms that must fail LOG-RET-002 and those that must pass it, AWS's documented form among them
(Production log groups keep a year of evidence)."""

from policies.fixtures import Form, doc

S = "aws_cloudwatch_log_group.g"


def group(**config):
    return doc({"aws_cloudwatch_log_group": {"g": {"kms_key_id": "alias/x", **config}}})


FAIL = [
    Form("30 days in production", S, group(retention_in_days=30)),
    Form("no retention", S, group()),
    Form("364 days", S, group(retention_in_days=364)),
    Form("retention from a variable", S, group(retention_in_days="${var.days}")),
    Form("364 days written as a string (Terraform converts it to 364)", S, group(retention_in_days="364")),
]
PASS = [
    Form(
        "365 days",
        S,
        group(retention_in_days=365),
        "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/Working-with-log-groups-and-streams.html",
    ),
    Form("400 days", S, group(retention_in_days=400)),
    Form("ten years", S, group(retention_in_days=3653)),
    Form("365 days written as a string (Terraform JSON converts it to a number)", S, group(retention_in_days="365")),
]
