"""The forms that must fail S3-ENC-001 and those that must pass it, AWS's documented form among them
(S3 buckets use SSE-KMS with a customer-managed key)."""

from policies.fixtures import KEY, KEY_REF, Form, bucket, doc, iterated_bucket, merge


def sse(algorithm, key=None):
    default = {"sse_algorithm": algorithm, **({"kms_master_key_id": key} if key else {})}
    return {"rule": [{"apply_server_side_encryption_by_default": default, "bucket_key_enabled": True}]}


def aes256_logging(source, target, other):
    """Bucket b with SSE-S3, another bucket, and server access logging from `source` into `target`."""
    logging = {"l": {"bucket": f"${{aws_s3_bucket.{source}.id}}", "target_bucket": f"${{aws_s3_bucket.{target}.id}}"}}
    resources = {"aws_s3_bucket": {other: {"bucket": other}}, "aws_s3_bucket_logging": logging}
    return doc(merge(bucket(server_side_encryption_configuration=sse("AES256")), resources))


S = "aws_s3_bucket.b"
FAIL = [
    Form("no encryption configuration", S, doc(bucket())),
    Form("SSE-S3 (AES256) in the split resource", S, doc(bucket(server_side_encryption_configuration=sse("AES256")))),
    Form(
        "SSE-KMS with the AWS-managed key",
        S,
        doc(bucket(server_side_encryption_configuration=sse("aws:kms", "alias/aws/s3"))),
    ),
    Form("SSE-KMS with no key (aws/s3 default)", S, doc(bucket(server_side_encryption_configuration=sse("aws:kms")))),
    Form(
        "inline legacy block with AES256",
        S,
        doc({"aws_s3_bucket": {"b": {"bucket": "x", "server_side_encryption_configuration": [sse("AES256")]}}}),
    ),
    Form("key from a variable", S, doc(bucket(server_side_encryption_configuration=sse("aws:kms", "${var.key}")))),
    Form(
        "SSE-S3 on a bucket that sends access logs (a source is no exception)", S, aes256_logging("b", "logs", "logs")
    ),
]
PASS = [
    Form(
        "SSE-KMS with a CMK reference",
        S,
        doc(merge(bucket(server_side_encryption_configuration=sse("aws:kms", KEY_REF)), KEY)),
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html",
    ),
    Form(
        "DSSE-KMS with a CMK",
        S,
        doc(merge(bucket(server_side_encryption_configuration=sse("aws:kms:dsse", KEY_REF)), KEY)),
    ),
    Form(
        "companion matched by literal bucket name",
        S,
        doc(
            merge(
                {
                    "aws_s3_bucket": {"b": {"bucket": "named"}},
                    "aws_s3_bucket_server_side_encryption_configuration": {
                        "e": {"bucket": "named", **sse("aws:kms", KEY_REF)}
                    },
                },
                KEY,
            )
        ),
    ),
    Form(
        "SSE-S3 on the access-log target bucket (waived: log delivery writes with SSE-S3)",
        S,
        aes256_logging("data", "b", "data"),
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html",
    ),
    Form(
        "SSE-KMS iterated over the buckets (each.value.id)",
        S,
        doc(merge(iterated_bucket(server_side_encryption_configuration=sse("aws:kms", KEY_REF)), KEY)),
    ),
]
