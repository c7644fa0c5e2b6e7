"""The forms that must fail S3-PAB-001 and those that must pass it, AWS's documented form among them
(S3 buckets block all public access)."""

from policies.fixtures import Form, bucket, doc, iterated_bucket

ALL = {
    "block_public_acls": True,
    "block_public_policy": True,
    "ignore_public_acls": True,
    "restrict_public_buckets": True,
}
S = "aws_s3_bucket.b"
FAIL = [
    Form("no public access block", S, doc(bucket())),
    Form("one setting off", S, doc(bucket(public_access_block={**ALL, "restrict_public_buckets": False}))),
    Form("settings missing", S, doc(bucket(public_access_block={"block_public_acls": True}))),
    Form("setting from a variable", S, doc(bucket(public_access_block={**ALL, "block_public_policy": "${var.x}"}))),
    Form(
        "block on another bucket",
        S,
        doc({**bucket(), "aws_s3_bucket_public_access_block": {"o": {"bucket": "other", **ALL}}}),
    ),
]
PASS = [
    Form(
        "all four on, by reference",
        S,
        doc(bucket(public_access_block=ALL)),
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html",
    ),
    Form(
        "all four on, by literal bucket name",
        S,
        doc(
            {
                "aws_s3_bucket": {"b": {"bucket": "named"}},
                "aws_s3_bucket_public_access_block": {"o": {"bucket": "named", **ALL}},
            }
        ),
    ),
    Form(
        "all four on, by bucket attribute",
        S,
        doc(
            {
                "aws_s3_bucket": {"b": {"bucket": "n"}},
                "aws_s3_bucket_public_access_block": {"o": {"bucket": "${aws_s3_bucket.b.bucket}", **ALL}},
            }
        ),
    ),
    Form(
        "public access block iterated over the buckets (each.value.id)",
        S,
        doc(iterated_bucket(public_access_block=ALL)),
    ),
]
