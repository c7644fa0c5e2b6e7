"""The forms that must fail RDS-TLS-001 and those that must pass it, AWS's documented form among them
(PostgreSQL clusters refuse connections without TLS)."""

from policies.fixtures import Form, doc

S = "aws_rds_cluster.db"


def cluster(group=None, value="1", name="${aws_rds_cluster_parameter_group.pg.name}", engine="aurora-postgresql"):
    resources = {
        "aws_rds_cluster": {"db": {"engine": engine, **({"db_cluster_parameter_group_name": name} if name else {})}}
    }
    if group:
        resources["aws_rds_cluster_parameter_group"] = {
            "pg": {
                "name": "pg",
                "family": "aurora-postgresql16",
                "parameter": [{"name": "rds.force_ssl", "value": value}],
            }
        }
    return doc(resources)


FAIL = [
    Form("default parameter group", S, cluster(name=None)),
    Form("force_ssl 0", S, cluster(True, "0")),
    Form(
        "group without force_ssl",
        S,
        doc(
            {
                "aws_rds_cluster": {
                    "db": {
                        "engine": "aurora-postgresql",
                        "db_cluster_parameter_group_name": "${aws_rds_cluster_parameter_group.pg.name}",
                    }
                },
                "aws_rds_cluster_parameter_group": {"pg": {"family": "aurora-postgresql16", "parameter": []}},
            }
        ),
    ),
    Form("group name not in the stack", S, cluster(name="external-group")),
    Form("force_ssl from a variable", S, cluster(True, "${var.ssl}")),
]
PASS = [
    Form(
        "cluster parameter group with rds.force_ssl = 1",
        S,
        cluster(True),
        "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraPostgreSQL.Security.html",
    ),
    Form("group matched by literal name", S, cluster(True, name="pg")),
    Form("force_ssl as a number", S, cluster(True, 1)),
]
