"""GLUE-ENC-001: a Glue security configuration encrypts S3 (SSE-KMS), CloudWatch (SSE-KMS) and bookmarks (CSE-KMS)."""

from policies.lookups import customer_managed_key
from policies.model import Rule, block_of, fail, ok

MODES = (
    ("s3_encryption", "s3_encryption_mode", "SSE-KMS"),
    ("cloudwatch_encryption", "cloudwatch_encryption_mode", "SSE-KMS"),
    ("job_bookmarks_encryption", "job_bookmarks_encryption_mode", "CSE-KMS"),
)


def check(config, view):
    encryption = block_of(config.get("encryption_configuration"))
    problems = []
    for block_name, mode_key, expected in MODES:
        block = block_of(encryption.get(block_name))
        if block.get(mode_key) != expected:
            problems.append(f"{block_name} is {block.get(mode_key) or 'DISABLED'}, not {expected}")
            continue
        is_cmk, why = customer_managed_key(block.get("kms_key_arn"), view)
        if not is_cmk:
            problems.append(f"{block_name} key: {why}")
    return fail("; ".join(problems)) if problems else ok("all three encryption modes on CMKs")


RULE = Rule(
    id="GLUE-ENC-001",
    title="Glue security configurations encrypt S3, CloudWatch and job bookmarks",
    category="encryption",
    severity="high",
    resource_types=("aws_glue_security_configuration",),
    check=check,
    fix="set s3 SSE-KMS, cloudwatch SSE-KMS and job_bookmarks CSE-KMS, each with kms_key_arn of a CMK",
    covers=("CKV_AWS_99",),
)
