"""The forms that must fail KIN-ENC-001 and those that must pass it, AWS's documented form among them
(Kinesis streams are encrypted with a customer-managed key)."""

from policies.fixtures import Form, cmk_forms, doc

BASE = {"name": "s", "shard_count": 1, "encryption_type": "KMS"}
FAIL, PASS = cmk_forms(
    "aws_kinesis_stream",
    "kms_key_id",
    BASE,
    "https://docs.aws.amazon.com/streams/latest/dev/getting-started-with-sse.html",
)
FAIL = [
    *FAIL,
    Form(
        "encryption_type NONE",
        "aws_kinesis_stream.x",
        doc({"aws_kinesis_stream": {"x": {"name": "s", "encryption_type": "NONE"}}}),
    ),
]
