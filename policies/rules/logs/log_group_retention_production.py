"""LOG-RET-002: in production a CloudWatch log group keeps a year of audit evidence."""

from policies.model import Rule
from policies.rules.logs.log_group_retention import retention_at_least

RULE = Rule(
    id="LOG-RET-002",
    title="Production log groups keep a year of evidence",
    category="logging",
    severity="medium",
    resource_types=("aws_cloudwatch_log_group",),
    check=retention_at_least(365),
    fix="set retention_in_days >= 365 in the production profile",
    covers=("CKV_AWS_338",),
    profiles=("production",),
)
