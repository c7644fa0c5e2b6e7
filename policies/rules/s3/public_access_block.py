"""S3-PAB-001: every bucket has a public access block with all four settings on."""

from policies.lookups import bucket_companions
from policies.model import Rule, fail, ok

SETTINGS = ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")


def check(bucket, view):
    blocks = bucket_companions(bucket, view, "aws_s3_bucket_public_access_block")
    if not blocks:
        return fail("bucket has no aws_s3_bucket_public_access_block")
    off = [s for s in SETTINGS if blocks[0].get(s) is not True]
    if off:
        return fail("public access block leaves " + ", ".join(off) + " off")
    return ok("all four public access block settings are on")


RULE = Rule(
    id="S3-PAB-001",
    title="S3 buckets block all public access",
    category="privilege",
    severity="high",
    resource_types=("aws_s3_bucket",),
    check=check,
    fix="add aws_s3_bucket_public_access_block with all four settings true",
    covers=("CKV2_AWS_6",),
)
