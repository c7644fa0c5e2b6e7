"""The forms that must fail S3-VER-001 and those that must pass it, AWS's documented form among them
(S3 buckets keep object versions)."""

from policies.fixtures import Form, bucket, doc, iterated_bucket

S = "aws_s3_bucket.b"
FAIL = [
    Form("no versioning resource", S, doc(bucket())),
    Form("Suspended", S, doc(bucket(versioning={"versioning_configuration": {"status": "Suspended"}}))),
    Form("Disabled", S, doc(bucket(versioning={"versioning_configuration": {"status": "Disabled"}}))),
    Form(
        "legacy inline versioning off",
        S,
        doc({"aws_s3_bucket": {"b": {"bucket": "x", "versioning": {"enabled": False}}}}),
    ),
    Form("status from a variable", S, doc(bucket(versioning={"versioning_configuration": {"status": "${var.s}"}}))),
]
PASS = [
    Form(
        "Enabled",
        S,
        doc(bucket(versioning={"versioning_configuration": {"status": "Enabled"}})),
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/manage-versioning-examples.html",
    ),
    Form("Enabled as a list block", S, doc(bucket(versioning={"versioning_configuration": [{"status": "Enabled"}]}))),
    Form(
        "legacy inline versioning on",
        S,
        doc({"aws_s3_bucket": {"b": {"bucket": "x", "versioning": [{"enabled": True}]}}}),
    ),
    Form(
        "versioning iterated over the buckets (cdktf's from_resources: each.value.id)",
        S,
        doc(iterated_bucket(versioning={"versioning_configuration": {"status": "Enabled"}})),
    ),
    Form(
        "counted buckets, versioning by [count.index]",
        S,
        doc(iterated_bucket(how="count", versioning={"versioning_configuration": {"status": "Enabled"}})),
    ),
]
