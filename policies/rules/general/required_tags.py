"""TAG-REQ-001: every taggable resource carries the required tags, counting its own provider's default_tags
(an aliased provider's, for a resource that uses one). Tags computed from expressions (`${merge(...)}`) fail."""

from policies.lookups import effective_tags
from policies.model import Rule, Violation, judged

REQUIRED_TAGS = ("Environment", "Project", "Owner", "CostCenter", "DataClassification")
# Resource types that accept tags (AWS provider 5.x) and appear in IoT data platforms.
TAGGABLE = (
    "aws_athena_workgroup",
    "aws_cloudwatch_log_group",
    "aws_cloudwatch_metric_alarm",
    "aws_config_config_rule",
    "aws_db_instance",
    "aws_db_subnet_group",
    "aws_default_security_group",
    "aws_dynamodb_table",
    "aws_ebs_volume",
    "aws_ecr_repository",
    "aws_efs_file_system",
    "aws_flow_log",
    "aws_glue_catalog_database",
    "aws_glue_connection",
    "aws_glue_job",
    "aws_iam_policy",
    "aws_iam_role",
    "aws_instance",
    "aws_iot_domain_configuration",
    "aws_iot_policy",
    "aws_iot_thing_type",
    "aws_iot_topic_rule",
    "aws_kinesis_firehose_delivery_stream",
    "aws_kinesis_stream",
    "aws_kms_key",
    "aws_lambda_function",
    "aws_rds_cluster",
    "aws_rds_cluster_instance",
    "aws_rds_cluster_parameter_group",
    "aws_route_table",
    "aws_s3_bucket",
    "aws_s3_object",
    "aws_secretsmanager_secret",
    "aws_security_group",
    "aws_sns_topic",
    "aws_sqs_queue",
    "aws_subnet",
    "aws_vpc",
    "aws_vpc_endpoint",
    "aws_vpc_security_group_egress_rule",
    "aws_vpc_security_group_ingress_rule",
)


def check(resource, view):
    tags, unreadable = effective_tags(resource, view)
    violations = [
        Violation(f"{what}, which only Terraform can evaluate; write the tags as literals (or references)")
        for what in unreadable
    ]
    missing = [t for t in REQUIRED_TAGS if not str(tags.get(t, "")).strip()]
    if missing:
        violations.append(Violation("missing required tags: " + ", ".join(missing), tuple(missing)))
    return judged(violations, "all required tags present")


RULE = Rule(
    id="TAG-REQ-001",
    title="Resources carry the required tags",
    category="tagging",
    severity="high",
    resource_types=TAGGABLE,
    check=check,
    fix="set " + ", ".join(REQUIRED_TAGS) + " in the provider's default_tags (or on the resource)",
)
