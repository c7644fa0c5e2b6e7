"""RDS-ENC-001: an Aurora/RDS cluster encrypts storage with a customer-managed key."""

from policies.lookups import customer_managed_key
from policies.model import Rule, fail, ok


def check(cluster, view):
    if cluster.flag("storage_encrypted") is not True:
        return fail("cluster storage is not encrypted")
    is_cmk, why = customer_managed_key(cluster.get("kms_key_id"), view)
    return ok("storage encrypted with a CMK") if is_cmk else fail(f"cluster storage key: {why}")


RULE = Rule(
    id="RDS-ENC-001",
    title="Database clusters encrypt storage with a customer-managed key",
    category="encryption",
    severity="critical",
    resource_types=("aws_rds_cluster",),
    check=check,
    fix="set storage_encrypted = true and kms_key_id to a CMK",
    covers=("CKV_AWS_96", "CKV_AWS_327"),
)
