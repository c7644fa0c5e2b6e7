"""KIN-ENC-001: a Kinesis stream is encrypted with a customer-managed key, not alias/aws/kinesis."""

from policies.lookups import customer_managed_key
from policies.model import Rule, fail, ok


def check(stream, view):
    if stream.get("encryption_type") != "KMS":
        return fail("stream is not encrypted (encryption_type is not KMS)")
    is_cmk, why = customer_managed_key(stream.get("kms_key_id"), view)
    return ok("KMS with a customer-managed key") if is_cmk else fail(f"stream key: {why}")


RULE = Rule(
    id="KIN-ENC-001",
    title="Kinesis streams are encrypted with a customer-managed key",
    category="encryption",
    severity="high",
    resource_types=("aws_kinesis_stream",),
    check=check,
    fix="set encryption_type = KMS and kms_key_id to a CMK (alias/aws/kinesis is AWS-managed)",
    covers=("CKV_AWS_43", "CKV_AWS_185"),
)
