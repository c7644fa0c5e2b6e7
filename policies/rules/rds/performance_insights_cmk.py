"""RDS-ENC-002: Performance Insights data, where enabled, is encrypted with a customer-managed key."""

from policies.lookups import customer_managed_key
from policies.model import Rule, fail, ok


def check(instance, view):
    if instance.flag("performance_insights_enabled") is not True:
        return None
    is_cmk, why = customer_managed_key(instance.get("performance_insights_kms_key_id"), view)
    return ok("Performance Insights on a CMK") if is_cmk else fail(f"Performance Insights key: {why}")


RULE = Rule(
    id="RDS-ENC-002",
    title="Performance Insights is encrypted with a customer-managed key",
    category="encryption",
    severity="medium",
    resource_types=("aws_rds_cluster_instance", "aws_db_instance"),
    check=check,
    fix="set performance_insights_kms_key_id to a CMK",
    covers=("CKV_AWS_354",),
)
