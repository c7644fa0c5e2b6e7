"""NET-SG-001: no security group admits traffic from the whole internet (0.0.0.0/0 or ::/0)."""

from policies.model import Rule, blocks_of, fail, ok

WORLD = {"0.0.0.0/0", "::/0"}


def _open(rule):
    cidrs = set(rule.get("cidr_blocks") or []) | set(rule.get("ipv6_cidr_blocks") or [])
    cidrs |= {rule.get("cidr_ipv4"), rule.get("cidr_ipv6")} - {None}
    return sorted(cidrs & WORLD)


def check(resource, view):
    if resource.type == "aws_security_group":
        rules = blocks_of(resource.get("ingress"))
    elif resource.type == "aws_security_group_rule" and resource.get("type") != "ingress":
        return None
    else:
        rules = [resource.config]
    for rule in rules:
        world = _open(rule)
        if world:
            ports = f"{rule.get('from_port', 'all')}-{rule.get('to_port', 'all')}"
            return fail(f"ingress from {', '.join(world)} on ports {ports}")
    return ok("no ingress from the internet")


RULE = Rule(
    id="NET-SG-001",
    title="Security groups admit nothing from the internet",
    category="privilege",
    severity="critical",
    resource_types=("aws_security_group", "aws_security_group_rule", "aws_vpc_security_group_ingress_rule"),
    check=check,
    fix="reference the client's security group (referenced_security_group_id) instead of a world CIDR",
    checkov_ids=("CKV_AWS_24", "CKV_AWS_25", "CKV_AWS_260"),
)
