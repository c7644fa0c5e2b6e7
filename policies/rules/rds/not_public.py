"""RDS-NET-001: database instances are never publicly accessible."""

from policies.model import Rule, fail, ok


def check(instance, view):
    value = instance.get("publicly_accessible")
    if value not in (None, False):
        return fail(f"instance is publicly accessible (publicly_accessible = {value!r}; only false is private)")
    return ok("not publicly accessible")


RULE = Rule(
    id="RDS-NET-001",
    title="Database instances are not publicly accessible",
    category="privilege",
    severity="critical",
    resource_types=("aws_rds_cluster_instance", "aws_db_instance"),
    check=check,
    fix="set publicly_accessible = false and place the instance in private subnets",
    covers=("CKV_AWS_17",),
)
