"""RDS-IAM-001: a cluster accepts IAM database authentication, so people need no static passwords."""

from policies.model import Rule, fail, ok


def check(cluster, view):
    if cluster.flag("iam_database_authentication_enabled") is True:
        return ok("IAM authentication enabled")
    return fail("IAM database authentication is off")


RULE = Rule(
    id="RDS-IAM-001",
    title="Database clusters use IAM authentication",
    category="privilege",
    severity="medium",
    resource_types=("aws_rds_cluster",),
    check=check,
    fix="set iam_database_authentication_enabled = true",
    covers=("CKV_AWS_162",),
)
