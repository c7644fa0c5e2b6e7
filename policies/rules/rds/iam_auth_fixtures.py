"""The forms that must fail RDS-IAM-001 and those that must pass it, AWS's documented form among them
(Database clusters use IAM authentication)."""

from policies.fixtures import Form, doc

S = "aws_rds_cluster.db"


def cluster(**config):
    return doc({"aws_rds_cluster": {"db": {"engine": "aurora-postgresql", **config}}})


FAIL = [
    Form("not set", S, cluster()),
    Form("false", S, cluster(iam_database_authentication_enabled=False)),
    Form(
        "false written as a string (Terraform converts it to false)",
        S,
        cluster(iam_database_authentication_enabled="false"),
    ),
    Form("from a variable", S, cluster(iam_database_authentication_enabled="${var.iam}")),
    Form(
        "aliased provider, off", S, doc({"aws_rds_cluster": {"db": {"provider": "aws.replica"}}}, aliases=("replica",))
    ),
]
PASS = [
    Form(
        "enabled",
        S,
        cluster(iam_database_authentication_enabled=True),
        "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/UsingWithRDS.IAMDBAuth.html",
    ),
    Form(
        "enabled on a MySQL cluster",
        S,
        doc({"aws_rds_cluster": {"db": {"engine": "aurora-mysql", "iam_database_authentication_enabled": True}}}),
    ),
    Form(
        "enabled, aliased provider",
        S,
        doc(
            {"aws_rds_cluster": {"db": {"provider": "aws.replica", "iam_database_authentication_enabled": True}}},
            aliases=("replica",),
        ),
    ),
    Form(
        "true written as a string (Terraform JSON converts it to a bool)",
        S,
        cluster(iam_database_authentication_enabled="true"),
    ),
]
