"""The forms that must fail DES-EPH-001 and those that must pass it, AWS's documented form among them
(Ephemeral environments destroy cleanly)."""

from policies.fixtures import Form, doc

FAIL = [
    Form(
        "cluster deletion protection",
        "aws_rds_cluster.db",
        doc({"aws_rds_cluster": {"db": {"deletion_protection": True, "skip_final_snapshot": True}}}),
    ),
    Form(
        "cluster keeps a final snapshot",
        "aws_rds_cluster.db",
        doc({"aws_rds_cluster": {"db": {"skip_final_snapshot": False}}}),
    ),
    Form(
        "prevent_destroy on a bucket",
        "aws_s3_bucket.b",
        doc({"aws_s3_bucket": {"b": {"force_destroy": True, "lifecycle": {"prevent_destroy": True}}}}),
    ),
    Form("bucket without force_destroy", "aws_s3_bucket.b", doc({"aws_s3_bucket": {"b": {"bucket": "b"}}})),
    Form("key pending deletion 30 days", "aws_kms_key.k", doc({"aws_kms_key": {"k": {}}})),
    Form(
        "log group skip_destroy",
        "aws_cloudwatch_log_group.g",
        doc({"aws_cloudwatch_log_group": {"g": {"skip_destroy": True}}}),
    ),
]
PASS = [
    Form(
        "cluster destroys cleanly",
        "aws_rds_cluster.db",
        doc({"aws_rds_cluster": {"db": {"deletion_protection": False, "skip_final_snapshot": True}}}),
    ),
    Form("bucket with force_destroy", "aws_s3_bucket.b", doc({"aws_s3_bucket": {"b": {"force_destroy": True}}})),
    Form(
        "key with a 7-day window",
        "aws_kms_key.k",
        doc({"aws_kms_key": {"k": {"deletion_window_in_days": 7}}}),
        "https://docs.aws.amazon.com/kms/latest/developerguide/deleting-keys.html",
    ),
]
