"""S3-VER-001: every bucket has versioning enabled (read from its split versioning resource)."""

from policies.lookups import bucket_companions
from policies.model import Rule, block_of, fail, ok


def check(bucket, view):
    versions = bucket_companions(bucket, view, "aws_s3_bucket_versioning")
    statuses = [block_of(v.get("versioning_configuration")).get("status") for v in versions]
    statuses += [True] if block_of(bucket.get("versioning")).get("enabled") is True else []
    if "Enabled" in statuses or True in statuses:
        return ok("versioning enabled")
    return fail("bucket versioning is not enabled")


RULE = Rule(
    id="S3-VER-001",
    title="S3 buckets keep object versions",
    category="resilience",
    severity="medium",
    resource_types=("aws_s3_bucket",),
    check=check,
    fix="add aws_s3_bucket_versioning with versioning_configuration.status = Enabled",
    covers=("CKV_AWS_21",),
)
