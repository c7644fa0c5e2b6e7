"""RES-PRD-001 forms (production profile)."""

from policies.fixtures import Form, doc

P = "production"
FAIL = [
    Form(
        "no deletion protection",
        "aws_rds_cluster.db",
        doc({"aws_rds_cluster": {"db": {"skip_final_snapshot": True}}}),
        profile=P,
    ),
    Form(
        "skips the final snapshot",
        "aws_rds_cluster.db",
        doc({"aws_rds_cluster": {"db": {"deletion_protection": True, "skip_final_snapshot": True}}}),
        profile=P,
    ),
    Form(
        "one day of backups",
        "aws_rds_cluster.db",
        doc({"aws_rds_cluster": {"db": {"deletion_protection": True, "backup_retention_period": 1}}}),
        profile=P,
    ),
    Form(
        "a day of stream replay",
        "aws_kinesis_stream.s",
        doc({"aws_kinesis_stream": {"s": {"retention_period": 24}}}),
        profile=P,
    ),
    Form(
        "force_destroy on a lake bucket",
        "aws_s3_bucket.b",
        doc({"aws_s3_bucket": {"b": {"force_destroy": True}}}),
        profile=P,
    ),
]
PASS = [
    Form(
        "protected cluster",
        "aws_rds_cluster.db",
        doc(
            {
                "aws_rds_cluster": {
                    "db": {"deletion_protection": True, "skip_final_snapshot": False, "backup_retention_period": 35}
                }
            }
        ),
        "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_DeleteCluster.html",
        profile=P,
    ),
    Form(
        "seven days of replay",
        "aws_kinesis_stream.s",
        doc({"aws_kinesis_stream": {"s": {"retention_period": 168}}}),
        profile=P,
    ),
    Form(
        "bucket kept with its objects",
        "aws_s3_bucket.b",
        doc({"aws_s3_bucket": {"b": {"force_destroy": False}}}),
        profile=P,
    ),
]
