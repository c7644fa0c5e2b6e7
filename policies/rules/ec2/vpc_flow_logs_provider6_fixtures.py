"""VPC-LOG-001 in AWS provider 6 form: `aws_flow_log.log_group_name` is gone (name the group's ARN in
`log_destination`), and a VPC may sit in another region through its own `region` argument."""

from policies.fixtures import Form, doc

S = "aws_vpc.v"
UPGRADE = (
    "https://registry.terraform.io/providers/hashicorp/aws/latest/docs/guides/version-6-upgrade#resource-aws_flow_log"
)
IRELAND = {"cidr_block": "10.0.0.0/16", "region": "eu-west-1"}
GROUP = {"aws_cloudwatch_log_group": {"g": {"name": "flow", "region": "eu-west-1", "retention_in_days": 365}}}


def _flow(**config):
    return {"aws_flow_log": {"f": {"traffic_type": "ALL", **config}}}


FAIL = [
    Form("a VPC in another region by its own region argument, no flow log", S, doc({"aws_vpc": {"v": IRELAND}})),
    Form(
        "the flow log names the log group's ARN, of another VPC",
        S,
        doc(
            {
                "aws_vpc": {"v": IRELAND},
                **GROUP,
                **_flow(vpc_id="vpc-other", log_destination="${aws_cloudwatch_log_group.g.arn}"),
            }
        ),
    ),
    Form(
        "a flow log of a subnet only, in the VPC's region",
        S,
        doc({"aws_vpc": {"v": IRELAND}, **_flow(subnet_id="${aws_subnet.s.id}", region="eu-west-1")}),
    ),
]
PASS = [
    Form(
        "log_destination names the log group (log_group_name removed in provider 6)",
        S,
        doc(
            {
                "aws_vpc": {"v": {"cidr_block": "10.0.0.0/16"}},
                "aws_cloudwatch_log_group": {"g": {"name": "flow", "retention_in_days": 365}},
                **_flow(
                    vpc_id="${aws_vpc.v.id}",
                    log_destination="${aws_cloudwatch_log_group.g.arn}",
                    log_destination_type="cloud-watch-logs",
                ),
            }
        ),
        UPGRADE,
    ),
    Form(
        "VPC, log group and flow log in another region by their own region arguments",
        S,
        doc(
            {
                "aws_vpc": {"v": IRELAND},
                **GROUP,
                **_flow(
                    vpc_id="${aws_vpc.v.id}", log_destination="${aws_cloudwatch_log_group.g.arn}", region="eu-west-1"
                ),
            }
        ),
    ),
]
