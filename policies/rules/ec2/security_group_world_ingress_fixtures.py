"""The forms that must fail NET-SG-001 and those that must pass it, AWS's documented form among them
(Security groups admit no wide part of the internet)."""

from policies.fixtures import Form, doc

SG, RULE = "aws_security_group.sg", "aws_security_group_rule.r"


def inline(*cidrs, v6=()):
    block = {"from_port": 443, "to_port": 443, "protocol": "tcp", "cidr_blocks": list(cidrs)}
    if v6:
        block["ipv6_cidr_blocks"] = list(v6)
    return doc({"aws_security_group": {"sg": {"vpc_id": "v", "ingress": [block]}}})


def rule(**cidrs):
    return doc({"aws_security_group_rule": {"r": {"type": "ingress", "security_group_id": "sg", **cidrs}}})


FAIL = [
    Form("two /1 halves that together are the whole IPv4 internet", SG, inline("0.0.0.0/1", "128.0.0.0/1")),
    Form("a single prefix wider than /8 (0.0.0.0/4)", SG, inline("0.0.0.0/4")),
    Form("many /8s whose union is wider than a /8 of public space", SG, inline("3.0.0.0/8", "4.0.0.0/8")),
    Form("IPv6 global unicast 2000::/3 (all of the IPv6 internet)", SG, inline("10.0.0.0/16", v6=["2000::/3"])),
    Form("IPv6 halves ::/1 + 8000::/1 on a rule resource", RULE, rule(ipv6_cidr_blocks=["::/1", "8000::/1"])),
    Form("host bits set in a world CIDR (0.0.0.1/0)", RULE, rule(cidr_blocks=["0.0.0.1/0"])),
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
    Form("the VPC's private range (10.0.0.0/8: no public address)", SG, inline("10.0.0.0/8", "172.16.0.0/12")),
    Form("one public /8 and a unique-local IPv6 range", SG, inline("3.0.0.0/8", v6=["fd00::/8"])),
    Form("an ISP allocation (IPv6 /32)", RULE, rule(ipv6_cidr_blocks=["2001:db8::/32"])),
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
