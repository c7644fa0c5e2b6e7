"""The forms that must fail RDS-ENC-001 and those that must pass it, AWS's documented form among them
(Database clusters encrypt storage with a customer-managed key)."""

from policies.fixtures import Form, cmk_forms, doc

FAIL, PASS = cmk_forms(
    "aws_rds_cluster",
    "kms_key_id",
    {"engine": "aurora-postgresql", "storage_encrypted": True},
    "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Overview.Encryption.html",
)
FAIL = [
    *FAIL,
    Form(
        "storage_encrypted false",
        "aws_rds_cluster.x",
        doc({"aws_rds_cluster": {"x": {"engine": "aurora-postgresql", "storage_encrypted": False}}}),
    ),
]
