"""SEC-ENC-001: secrets, including RDS-managed master secrets, are encrypted with a customer-managed key."""

from policies.lookups import customer_managed_key
from policies.model import Rule, fail, ok


def check(resource, view):
    if resource.type == "aws_rds_cluster":
        if resource.flag("manage_master_user_password") is not True:
            return None
        key = resource.get("master_user_secret_kms_key_id")
    else:
        key = resource.get("kms_key_id")
    is_cmk, why = customer_managed_key(key, view)
    return ok("secret on a CMK") if is_cmk else fail(f"secret key: {why}")


RULE = Rule(
    id="SEC-ENC-001",
    title="Secrets are encrypted with a customer-managed key",
    category="secrets",
    severity="high",
    resource_types=("aws_secretsmanager_secret", "aws_rds_cluster"),
    check=check,
    fix="set kms_key_id (or master_user_secret_kms_key_id for RDS-managed secrets) to a CMK",
    covers=("CKV_AWS_149",),
)
