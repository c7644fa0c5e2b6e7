"""The forms that must fail VPC-LOG-001 and those that must pass it, AWS's documented form among them
(VPCs record flow logs)."""

from policies.fixtures import Form, doc

S = "aws_vpc.v"
VPC = {"aws_vpc": {"v": {"cidr_block": "10.0.0.0/16"}}}
FAIL = [
    Form("no flow log", S, doc(VPC)),
    Form(
        "flow log for another VPC",
        S,
        doc({**VPC, "aws_flow_log": {"f": {"vpc_id": "vpc-other", "traffic_type": "ALL"}}}),
    ),
    Form(
        "flow log of a subnet only",
        S,
        doc({**VPC, "aws_flow_log": {"f": {"subnet_id": "${aws_subnet.s.id}", "traffic_type": "ALL"}}}),
    ),
    Form("flow log of an ENI only", S, doc({**VPC, "aws_flow_log": {"f": {"eni_id": "eni-1", "traffic_type": "ALL"}}})),
    Form(
        "flow log of a different VPC by reference",
        S,
        doc(
            {
                "aws_vpc": {"v": {"cidr_block": "10.0.0.0/16"}, "w": {"cidr_block": "10.1.0.0/16"}},
                "aws_flow_log": {"f": {"vpc_id": "${aws_vpc.w.id}"}},
            }
        ),
    ),
]
PASS = [
    Form(
        "flow log of ALL traffic",
        S,
        doc({**VPC, "aws_flow_log": {"f": {"vpc_id": "${aws_vpc.v.id}", "traffic_type": "ALL"}}}),
        "https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs.html",
    ),
    Form(
        "flow log of rejected traffic",
        S,
        doc({**VPC, "aws_flow_log": {"f": {"vpc_id": "${aws_vpc.v.id}", "traffic_type": "REJECT"}}}),
    ),
    Form(
        "flow log with a log group destination",
        S,
        doc(
            {
                **VPC,
                "aws_flow_log": {
                    "f": {
                        "vpc_id": "${aws_vpc.v.id}",
                        "traffic_type": "ALL",
                        "log_destination": "${aws_cloudwatch_log_group.g.arn}",
                    }
                },
            }
        ),
    ),
]
