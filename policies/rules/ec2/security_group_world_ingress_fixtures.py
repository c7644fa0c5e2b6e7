"""NET-SG-001 forms."""

from policies.fixtures import Form, doc

FAIL = [
    Form(
        "VPC ingress rule from 0.0.0.0/0",
        "aws_vpc_security_group_ingress_rule.i",
        doc(
            {
                "aws_vpc_security_group_ingress_rule": {
                    "i": {
                        "security_group_id": "sg",
                        "cidr_ipv4": "0.0.0.0/0",
                        "from_port": 5432,
                        "to_port": 5432,
                        "ip_protocol": "tcp",
                    }
                }
            }
        ),
    ),
    Form(
        "VPC ingress rule from ::/0",
        "aws_vpc_security_group_ingress_rule.i",
        doc(
            {
                "aws_vpc_security_group_ingress_rule": {
                    "i": {"security_group_id": "sg", "cidr_ipv6": "::/0", "ip_protocol": "-1"}
                }
            }
        ),
    ),
    Form(
        "inline ingress block",
        "aws_security_group.sg",
        doc(
            {
                "aws_security_group": {
                    "sg": {
                        "ingress": [
                            {
                                "cidr_blocks": ["10.0.0.0/8", "0.0.0.0/0"],
                                "from_port": 22,
                                "to_port": 22,
                                "protocol": "tcp",
                            }
                        ]
                    }
                }
            }
        ),
    ),
    Form(
        "inline IPv6 ingress",
        "aws_security_group.sg",
        doc(
            {
                "aws_security_group": {
                    "sg": {
                        "ingress": [{"ipv6_cidr_blocks": ["::/0"], "from_port": 443, "to_port": 443, "protocol": "tcp"}]
                    }
                }
            }
        ),
    ),
    Form(
        "aws_security_group_rule ingress",
        "aws_security_group_rule.r",
        doc(
            {
                "aws_security_group_rule": {
                    "r": {
                        "type": "ingress",
                        "cidr_blocks": ["0.0.0.0/0"],
                        "from_port": 0,
                        "to_port": 65535,
                        "protocol": "-1",
                        "security_group_id": "sg",
                    }
                }
            }
        ),
    ),
    Form(
        "default security group open",
        "aws_default_security_group.d",
        doc(
            {
                "aws_default_security_group": {
                    "d": {"ingress": [{"cidr_blocks": ["0.0.0.0/0"], "from_port": 0, "to_port": 0, "protocol": "-1"}]}
                }
            }
        ),
    ),
    Form(
        "CIDR from a variable",
        "aws_vpc_security_group_ingress_rule.i",
        doc(
            {
                "aws_vpc_security_group_ingress_rule": {
                    "i": {"security_group_id": "sg", "cidr_ipv4": "${var.cidr}", "ip_protocol": "tcp"}
                }
            }
        ),
    ),
]
PASS = [
    Form(
        "source security group",
        "aws_vpc_security_group_ingress_rule.i",
        doc(
            {
                "aws_vpc_security_group_ingress_rule": {
                    "i": {
                        "security_group_id": "sg",
                        "referenced_security_group_id": "sg-1",
                        "from_port": 5432,
                        "to_port": 5432,
                        "ip_protocol": "tcp",
                    }
                }
            }
        ),
        "https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html",
    ),
    Form(
        "private CIDR inline",
        "aws_security_group.sg",
        doc(
            {
                "aws_security_group": {
                    "sg": {
                        "ingress": [
                            {"cidr_blocks": ["10.0.0.0/16"], "from_port": 443, "to_port": 443, "protocol": "tcp"}
                        ]
                    }
                }
            }
        ),
    ),
    Form(
        "egress to the world is not ingress",
        "aws_security_group.sg",
        doc(
            {
                "aws_security_group": {
                    "sg": {
                        "egress": [{"cidr_blocks": ["0.0.0.0/0"], "from_port": 443, "to_port": 443, "protocol": "tcp"}]
                    }
                }
            }
        ),
    ),
]
