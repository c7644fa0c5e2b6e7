"""The forms that must fail RDS-LOG-001 and those that must pass it, AWS's documented form among them
(Database clusters export engine logs)."""

from policies.fixtures import Form, doc

S = "aws_rds_cluster.db"


def cluster(engine="aurora-postgresql", **config):
    return doc({"aws_rds_cluster": {"db": {"engine": engine, **config}}})


FAIL = [
    Form("no exports", S, cluster()),
    Form("empty list", S, cluster(enabled_cloudwatch_logs_exports=[])),
    Form("PostgreSQL exporting only instance logs", S, cluster(enabled_cloudwatch_logs_exports=["instance"])),
    Form("MySQL without audit", S, cluster("aurora-mysql", enabled_cloudwatch_logs_exports=["error"])),
    Form("from a variable", S, cluster(enabled_cloudwatch_logs_exports="${var.logs}")),
]
PASS = [
    Form(
        "PostgreSQL log exported",
        S,
        cluster(enabled_cloudwatch_logs_exports=["postgresql"]),
        "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraPostgreSQL.CloudWatch.html",
    ),
    Form("MySQL audit and error", S, cluster("aurora-mysql", enabled_cloudwatch_logs_exports=["audit", "error"])),
    Form("PostgreSQL and instance", S, cluster(enabled_cloudwatch_logs_exports=["instance", "postgresql"])),
]
