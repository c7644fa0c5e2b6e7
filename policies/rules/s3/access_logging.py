"""S3-LOG-001: every bucket writes server access logs to another bucket."""

from policies.lookups import bucket_companions
from policies.model import Rule, block_of, fail, is_opaque, ok


def check(bucket, view):
    targets = [c.get("target_bucket") for c in bucket_companions(bucket, view, "aws_s3_bucket_logging")]
    targets.append(block_of(bucket.get("logging")).get("target_bucket"))
    if any(t and not is_opaque(t) for t in targets):
        return ok("server access logging on")
    opaque = [t for t in targets if is_opaque(t)]
    if opaque:
        return fail(f"logging target {opaque[0]!r} cannot be read; reference the log bucket in this stack")
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
