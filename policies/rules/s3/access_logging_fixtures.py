"""The forms that must fail S3-LOG-001 and those that must pass it, AWS's documented form among them
(S3 buckets log server access)."""

from policies.fixtures import Form, bucket, doc, iterated_bucket

S = "aws_s3_bucket.b"
FAIL = [
    Form("no logging", S, doc(bucket())),
    Form("logging resource without target", S, doc(bucket(logging={"target_prefix": "b/"}))),
    Form(
        "logging for another bucket",
        S,
        doc({**bucket(), "aws_s3_bucket_logging": {"o": {"bucket": "other", "target_bucket": "logs"}}}),
    ),
    Form(
        "legacy inline block without target",
        S,
        doc({"aws_s3_bucket": {"b": {"bucket": "x", "logging": {"target_prefix": "p"}}}}),
    ),
    Form("target from a variable", S, doc(bucket(logging={"target_bucket": "${var.logs}"}))),
]
PASS = [
    Form(
        "split logging resource",
        S,
        doc(bucket(logging={"target_bucket": "${aws_s3_bucket.logs.id}", "target_prefix": "b/"})),
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html",
    ),
    Form(
        "legacy inline logging",
        S,
        doc({"aws_s3_bucket": {"b": {"bucket": "x", "logging": [{"target_bucket": "logs"}]}}}),
    ),
    Form(
        "by literal bucket name",
        S,
        doc(
            {
                "aws_s3_bucket": {"b": {"bucket": "named"}},
                "aws_s3_bucket_logging": {"l": {"bucket": "named", "target_bucket": "logs"}},
            }
        ),
    ),
    Form(
        "the access-log target of another bucket (waived: a target does not log itself)",
        S,
        doc(
            {
                "aws_s3_bucket": {"b": {"bucket": "logs"}, "data": {"bucket": "data"}},
                "aws_s3_bucket_logging": {
                    "l": {"bucket": "${aws_s3_bucket.data.id}", "target_bucket": "${aws_s3_bucket.b.id}"}
                },
            }
        ),
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html",
    ),
    Form(
        "logging iterated over the buckets (each.value.id), each to its own prefix",
        S,
        doc(iterated_bucket(logging={"target_bucket": "${aws_s3_bucket.logs.id}", "target_prefix": "${each.key}/"})),
    ),
]
