"""RDS-LOG-001: a cluster exports its engine logs to CloudWatch Logs."""

from policies.model import Rule, fail, ok


def check(cluster, view):
    exports = cluster.literal("enabled_cloudwatch_logs_exports") or []
    engine = str(cluster.get("engine", ""))
    needed = "postgresql" if "postgres" in engine else "audit" if "mysql" in engine else None
    if needed and needed not in exports:
        return fail(f"cluster does not export its {needed} log")
    return ok("engine logs exported") if exports else fail("cluster exports no logs")


RULE = Rule(
    id="RDS-LOG-001",
    title="Database clusters export engine logs",
    category="logging",
    severity="medium",
    resource_types=("aws_rds_cluster",),
    check=check,
    fix='set enabled_cloudwatch_logs_exports = ["postgresql"]',
    covers=("CKV_AWS_324",),
)
