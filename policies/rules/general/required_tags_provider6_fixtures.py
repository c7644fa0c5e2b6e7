"""TAG-REQ-001 in AWS provider 6 form: types that take tags only from provider 6 on (an enhanced fan-out Kinesis
consumer), and a resource placed in another region by its own `region` argument, which keeps the default
provider and so its default_tags."""

from policies.fixtures import TAGS, Form, doc

CONSUMER = "aws_kinesis_stream_consumer.c"
TOPIC = "aws_sns_topic.t"
REGIONS = "https://registry.terraform.io/providers/hashicorp/aws/latest/docs/guides/enhanced-region-support"


def _consumer(tags):
    return {
        "aws_kinesis_stream_consumer": {"c": {"name": "c", "stream_arn": "${aws_kinesis_stream.s.arn}", "tags": tags}}
    }


FAIL = [
    Form(
        "a stream consumer (taggable from provider 6 on) with some tags",
        CONSUMER,
        doc(_consumer({"Environment": "t"}), default_tags=False),
    ),
    Form(
        "a topic in another region by its region argument, no default_tags",
        TOPIC,
        doc({"aws_sns_topic": {"t": {"name": "t", "region": "eu-west-1"}}}, default_tags=False),
    ),
    Form(
        "region argument beside an aliased provider that has no default_tags",
        TOPIC,
        {
            "provider": {
                "aws": [
                    {"region": "eu-central-1", "default_tags": [{"tags": TAGS}]},
                    {"alias": "us", "region": "us-east-1"},
                ]
            },
            "resource": {"aws_sns_topic": {"t": {"provider": "aws.us", "region": "us-west-2"}}},
        },
    ),
]
PASS = [
    Form(
        "a topic in another region by its region argument keeps the default provider's default_tags",
        TOPIC,
        doc({"aws_sns_topic": {"t": {"name": "t", "region": "eu-west-1"}}}),
        REGIONS,
    ),
    Form("a stream consumer tagged by default_tags and its own tag", CONSUMER, doc(_consumer({"Owner": "o"}))),
    Form(
        "a stream consumer with its own tags",
        CONSUMER,
        doc(_consumer(TAGS), default_tags=False),
    ),
]
