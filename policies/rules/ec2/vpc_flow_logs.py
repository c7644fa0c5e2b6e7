"""VPC-LOG-001: every VPC has flow logs."""

from policies.model import Rule, fail, ok


def check(vpc, view):
    logs = view.referencing(vpc, "aws_flow_log", attribute="vpc_id")
    if not logs:
        return fail("VPC has no flow log")
    return ok(f"flow log captures {logs[0].get('traffic_type', 'ALL')} traffic")


RULE = Rule(
    id="VPC-LOG-001",
    title="VPCs record flow logs",
    category="logging",
    severity="medium",
    resource_types=("aws_vpc",),
    check=check,
    fix="add aws_flow_log with vpc_id, traffic_type ALL and an encrypted log group",
    covers=("CKV2_AWS_11",),
)
