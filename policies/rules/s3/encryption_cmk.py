"""S3-ENC-001: a bucket uses SSE-KMS on a customer-managed key (read from its split encryption resource).

The exception is recorded, not suppressed: a bucket that receives other buckets' server access logs may use SSE-S3
(AES256), the default encryption S3's log delivery writes with
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html).
"""

from policies.lookups import LOG_TARGET_GUIDE, bucket_companions, customer_managed_key, log_sources
from policies.model import Rule, blocks_of, fail, ok, waived


def check(bucket, view):
    configs = bucket_companions(bucket, view, "aws_s3_bucket_server_side_encryption_configuration")
    inline = bucket.get("server_side_encryption_configuration")
    rules = [r for c in configs for r in blocks_of(c.get("rule"))]
    rules += [r for block in blocks_of(inline) for r in blocks_of(block.get("rule"))]
    if not rules:
        return fail("bucket has no server-side encryption configuration")
    algorithms = {str(_default(rule).get("sse_algorithm")) for rule in rules}
    sources = log_sources(bucket, view) if algorithms == {"AES256"} else []
    if sources:
        names = ", ".join(sorted(s.construct_path or s.address for s in sources))
        return waived(
            f"SSE-S3 on the access-log target of {names}: S3 log delivery writes with SSE-S3 ({LOG_TARGET_GUIDE})"
        )
    for rule in rules:
        default = _default(rule)
        if default.get("sse_algorithm") not in ("aws:kms", "aws:kms:dsse"):
            return fail(f"bucket uses {default.get('sse_algorithm') or 'no'} encryption, not SSE-KMS")
        is_cmk, why = customer_managed_key(default.get("kms_master_key_id"), view)
        if not is_cmk:
            return fail(f"bucket encryption key: {why}")
    return ok("SSE-KMS with a customer-managed key")


def _default(rule):
    default = rule.get("apply_server_side_encryption_by_default")
    default = default[0] if isinstance(default, list) and default else default
    return default if isinstance(default, dict) else {}


RULE = Rule(
    id="S3-ENC-001",
    title="S3 buckets use SSE-KMS with a customer-managed key",
    category="encryption",
    severity="high",
    resource_types=("aws_s3_bucket",),
    check=check,
    fix="add aws_s3_bucket_server_side_encryption_configuration: sse_algorithm aws:kms, kms_master_key_id of a CMK",
    covers=("CKV_AWS_145",),
)
