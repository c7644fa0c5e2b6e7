"""S3-TLS-001: a bucket policy denies every principal every S3 action on the bucket and its objects without TLS.

AWS's recommended statement (S3 User Guide, https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html#transit):
Deny, Principal "*", Action "s3:*", Resource [bucket ARN, bucket ARN/*], Condition Bool aws:SecureTransport false.
"""

from policies.iam.catalog import catalog
from policies.iam.sources import read
from policies.iam.transport import denies_insecure
from policies.lookups import bucket_companions
from policies.model import Rule, Violation, is_reference, judged


def check(bucket, view):
    policies = bucket_companions(bucket, view, "aws_s3_bucket_policy")
    sources = [(f"bucket policy {p.address}", p.get("policy")) for p in policies]
    if bucket.get("policy"):
        sources.append(("inline bucket policy", bucket.get("policy")))
    if not sources:
        return judged([Violation("bucket has no bucket policy, so plain-HTTP requests are allowed")], "")
    found = read(sources, view)
    if found.unreadable:
        return judged(found.failures(), "")
    name = (
        bucket.get("bucket")
        if isinstance(bucket.get("bucket"), str) and not is_reference(bucket.get("bucket"))
        else "BUCKET"
    )
    ref = f"aws_s3_bucket.{bucket.name}"
    aliases = {f"${{{ref}.arn}}": f"arn:aws:s3:::{name}", f"${{{ref}.id}}": name, f"${{{ref}.bucket}}": name}
    targets = [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/any/object"]
    reasons = [denies_insecure(s, catalog().by_service["s3"], targets, aliases) for s in found.statements]
    if "" in reasons:
        return judged([], "bucket policy denies every request without TLS")
    best = next((r for r in reasons if r not in ("not a Deny",)), "has no Deny statement")
    return judged([Violation(f"bucket policy is not TLS-only: its closest Deny {best}")], "")


RULE = Rule(
    id="S3-TLS-001",
    title="S3 bucket policies deny requests that do not use TLS",
    category="transport",
    severity="high",
    resource_types=("aws_s3_bucket",),
    check=check,
    fix='add a bucket policy statement: Deny s3:* to Principal "*" on the bucket ARN and ARN/* when Bool '
    "aws:SecureTransport = false",
    covers=("CKV_AWS_379",),
)
