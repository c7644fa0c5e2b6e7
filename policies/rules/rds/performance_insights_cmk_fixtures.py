"""The forms that must fail RDS-ENC-002 and those that must pass it, AWS's documented form among them
(Performance Insights is encrypted with a customer-managed key)."""

from policies.fixtures import cmk_forms

FAIL, PASS = cmk_forms(
    "aws_rds_cluster_instance",
    "performance_insights_kms_key_id",
    {"performance_insights_enabled": True},
    "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_PerfInsights.access-control.html",
)
