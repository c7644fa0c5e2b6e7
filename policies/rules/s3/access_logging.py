"""S3-LOG-001: every bucket writes server access logs to another bucket."""

from policies.lookups import bucket_companions
from policies.model import Rule, block_of, fail, ok


def check(bucket, view):
    logging = bucket_companions(bucket, view, "aws_s3_bucket_logging")
    if logging and logging[0].get("target_bucket"):
        return ok("server access logging on")
    if block_of(bucket.get("logging")).get("target_bucket"):
        return ok("server access logging on")
    return fail("bucket has no server access logging")


RULE = Rule(
    id="S3-LOG-001",
    title="S3 buckets log server access",
    category="logging",
    severity="medium",
    resource_types=("aws_s3_bucket",),
    check=check,
    fix="add aws_s3_bucket_logging with a target_bucket (the access-log bucket itself is the recorded exception)",
    checkov_ids=("CKV_AWS_18",),
)
