"""S3-LOG-001: every bucket writes server access logs to another bucket.

The exception is recorded, not suppressed: a bucket that receives other buckets' server access logs (it is their
`target_bucket`) and logs nowhere itself is waived, as AWS's S3 User Guide says a target bucket should not have
server access logging enabled (https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html).
"""

from policies.lookups import LOG_TARGET_GUIDE, bucket_companions, log_sources
from policies.model import Rule, block_of, fail, is_opaque, ok, waived


def check(bucket, view):
    targets = [c.get("target_bucket") for c in bucket_companions(bucket, view, "aws_s3_bucket_logging")]
    targets.append(block_of(bucket.get("logging")).get("target_bucket"))
    if any(t and not is_opaque(t) for t in targets):
        return ok("server access logging on")
    sources = log_sources(bucket, view)
    if sources and not any(targets):
        names = ", ".join(sorted(s.construct_path or s.address for s in sources))
        return waived(
            f"the access-log target of {names}: a target bucket does not log its own access ({LOG_TARGET_GUIDE})"
        )
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
    covers=("CKV_AWS_18",),
)
