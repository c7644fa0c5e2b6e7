"""The forms that must fail RDS-NET-001 and those that must pass it, AWS's documented form among them
(Database instances are not publicly accessible)."""

from policies.fixtures import Form, doc


def inst(rtype="aws_rds_cluster_instance", **config):
    return doc({rtype: {"i": config}})


FAIL = [
    Form("cluster instance public", "aws_rds_cluster_instance.i", inst(publicly_accessible=True)),
    Form("db instance public", "aws_db_instance.i", inst("aws_db_instance", publicly_accessible=True)),
    Form("public as a string", "aws_rds_cluster_instance.i", inst(publicly_accessible="true")),
    Form("from a variable", "aws_rds_cluster_instance.i", inst(publicly_accessible="${var.public}")),
    Form(
        "public on an aliased provider",
        "aws_db_instance.i",
        doc({"aws_db_instance": {"i": {"provider": "aws.replica", "publicly_accessible": True}}}, aliases=("replica",)),
    ),
]
PASS = [
    Form(
        "private",
        "aws_rds_cluster_instance.i",
        inst(publicly_accessible=False),
        "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html",
    ),
    Form("not set (private by default)", "aws_rds_cluster_instance.i", inst()),
    Form("db instance private", "aws_db_instance.i", inst("aws_db_instance", publicly_accessible=False)),
]
