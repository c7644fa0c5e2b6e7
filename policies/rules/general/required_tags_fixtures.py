"""The forms that must fail TAG-REQ-001 and those that must pass it, AWS's documented form among them
(Resources carry the required tags)."""

from policies.fixtures import TAGS, Form, doc

S = "aws_sns_topic.t"
PARTIAL = {"Environment": "t", "Project": "p"}
FAIL = [
    Form("no tags and no default_tags", S, doc({"aws_sns_topic": {"t": {"name": "t"}}}, default_tags=False)),
    Form("some tags on the resource", S, doc({"aws_sns_topic": {"t": {"tags": PARTIAL}}}, default_tags=False)),
    Form(
        "an empty required tag", S, doc({"aws_sns_topic": {"t": {"tags": {**TAGS, "Owner": " "}}}}, default_tags=False)
    ),
    Form(
        "tags computed with merge()",
        S,
        doc({"aws_sns_topic": {"t": {"tags": '${merge(var.tags, {Owner = "o"})}'}}}, default_tags=False),
    ),
    Form(
        "aliased provider without default_tags",
        S,
        {
            "provider": {
                "aws": [
                    {"region": "eu-central-1", "default_tags": [{"tags": TAGS}]},
                    {"alias": "replica", "region": "eu-west-1"},
                ]
            },
            "resource": {"aws_sns_topic": {"t": {"provider": "aws.replica"}}},
        },
    ),
    Form(
        "tag value from a variable",
        S,
        doc({"aws_sns_topic": {"t": {"tags": {**TAGS, "Owner": "${var.owner}"}}}}, default_tags=False),
    ),
]
PASS = [
    Form(
        "provider default_tags",
        S,
        doc({"aws_sns_topic": {"t": {"name": "t"}}}),
        "https://registry.terraform.io/providers/hashicorp/aws/latest/docs/guides/resource-tagging",
    ),
    Form("tags on the resource", S, doc({"aws_sns_topic": {"t": {"tags": TAGS}}}, default_tags=False)),
    Form(
        "aliased provider with its own default_tags",
        S,
        doc({"aws_sns_topic": {"t": {"provider": "aws.replica"}}}, default_tags=False, aliases=("replica",)),
    ),
    Form(
        "default_tags plus a resource override",
        S,
        doc({"aws_sns_topic": {"t": {"tags": {"DataClassification": "confidential"}}}}),
    ),
]
