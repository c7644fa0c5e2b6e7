"""S3-TLS-001: a bucket policy denies every request that does not use TLS (aws:SecureTransport = false)."""

from policies.iam import PolicyUnreadable, statements
from policies.lookups import bucket_companions
from policies.model import Rule, fail, ok


def denies_insecure_transport(statement):
    if statement["Effect"] != "Deny":
        return False
    actions = statement["Action"]
    if not any(a in ("*", "s3:*") for a in actions):
        return False
    condition = statement["Condition"].get("Bool", {})
    return [str(v).lower() for v in _list(condition.get("aws:SecureTransport"))] == ["false"]


def _list(value):
    return value if isinstance(value, list) else [value] if value is not None else []


def check(bucket, view):
    policies = bucket_companions(bucket, view, "aws_s3_bucket_policy")
    sources = [p.get("policy") for p in policies] + ([bucket.get("policy")] if bucket.get("policy") else [])
    if not sources:
        return fail("bucket has no bucket policy, so plain-HTTP requests are allowed")
    for source in sources:
        try:
            if any(denies_insecure_transport(s) for s in statements(source, view)):
                return ok("bucket policy denies aws:SecureTransport=false")
        except PolicyUnreadable as error:
            return fail(f"bucket policy cannot be analysed: {error}")
    return fail("bucket policy does not deny requests with aws:SecureTransport=false")


RULE = Rule(
    id="S3-TLS-001",
    title="S3 bucket policies deny requests that do not use TLS",
    category="transport",
    severity="high",
    resource_types=("aws_s3_bucket",),
    check=check,
    fix='add a bucket policy statement: Deny s3:* to Principal "*" when Bool aws:SecureTransport = false',
)
