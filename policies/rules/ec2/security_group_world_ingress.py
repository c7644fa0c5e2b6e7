"""NET-SG-001: no security group admits traffic from the whole internet (IPv4 0.0.0.0/0 or IPv6 ::/0).

Judged in every place ingress can be written: inline `ingress` blocks of aws_security_group and
aws_default_security_group, aws_security_group_rule (type ingress) and aws_vpc_security_group_ingress_rule.
Every open rule is reported. CIDRs the stack cannot read (`${var.x}`) fail.
"""

import ipaddress

from policies.model import Rule, Violation, blocks_of, is_opaque, judged


def _world(cidr):
    try:
        return ipaddress.ip_network(cidr, strict=False).prefixlen == 0
    except ValueError:
        return False


def _open(rule):
    violations = []
    cidrs = []
    for key in ("cidr_blocks", "ipv6_cidr_blocks"):
        value = rule.get(key)
        if is_opaque(value):
            violations.append(Violation(f"{key} is {value!r}, which cannot be read; list the CIDRs literally", (key,)))
        elif isinstance(value, list):
            cidrs += [c for c in value if isinstance(c, str)]
    for key in ("cidr_ipv4", "cidr_ipv6"):
        value = rule.get(key)
        if is_opaque(value):
            violations.append(Violation(f"{key} is {value!r}, which cannot be read; write the CIDR literally", (key,)))
        elif isinstance(value, str):
            cidrs.append(value)
    world = sorted({c for c in cidrs if _world(c)})
    if world:
        ports = f"{rule.get('from_port', 'all')}-{rule.get('to_port', 'all')}"
        violations.append(Violation(f"ingress from {', '.join(world)} on ports {ports}", tuple(world)))
    return violations


def check(resource, view):
    if resource.type in ("aws_security_group", "aws_default_security_group"):
        rules = blocks_of(resource.get("ingress"))
    elif resource.type == "aws_security_group_rule":
        if is_opaque(resource.get("type")):
            return judged([Violation("the rule's type cannot be read; write ingress or egress literally")], "")
        if resource.get("type") != "ingress":
            return None
        rules = [resource.config]
    else:
        rules = [resource.config]
    return judged([v for rule in rules for v in _open(rule)], "no ingress from the internet")


RULE = Rule(
    id="NET-SG-001",
    title="Security groups admit nothing from the internet",
    category="privilege",
    severity="critical",
    resource_types=(
        "aws_security_group",
        "aws_default_security_group",
        "aws_security_group_rule",
        "aws_vpc_security_group_ingress_rule",
    ),
    check=check,
    fix="reference the client's security group (referenced_security_group_id) instead of a world CIDR",
    checkov_ids=("CKV_AWS_24", "CKV_AWS_25", "CKV_AWS_260", "CKV_AWS_277"),
)
