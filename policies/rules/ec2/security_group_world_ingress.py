"""NET-SG-001: no security group rule admits a wide part of the internet, judged by address coverage.

A rule's CIDRs (IPv4 and IPv6, host bits ignored as AWS does) are merged and the private and reserved ranges taken
out (RFC 6890's special-purpose registries: 10/8, 172.16/12, 192.168/16, 100.64/10, ...; for IPv6 everything
outside global unicast 2000::/3). The rule fails when what is left is more than PUBLIC_LIMIT addresses: more than one
public IPv4 /8, more than one IPv6 /32 (the largest block a registry allocates to one network operator). So
`0.0.0.0/0`, `0.0.0.0/1` + `128.0.0.0/1`, `0.0.0.0/4` and `2000::/3` fail; the VPC's 10.0.0.0/8 passes.
Judged in every place ingress can be written: inline `ingress` blocks of aws_security_group and
aws_default_security_group, aws_security_group_rule (type ingress) and aws_vpc_security_group_ingress_rule.
Every open rule is reported. CIDRs the stack cannot read (`${var.x}`) fail.
"""

import ipaddress

from policies.model import Replacement, Rule, Violation, blocks_of, is_opaque, judged

PUBLIC_LIMIT = {4: 2**24, 6: 2**96}  # addresses: one IPv4 /8, one IPv6 /32
# Not reachable from the internet (https://www.iana.org/assignments/iana-ipv4-special-registry, RFC 6890).
NOT_PUBLIC = {
    4: (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/3",
    ),
    6: ("::/3", "4000::/2", "8000::/1"),  # everything but global unicast 2000::/3
}


def _intervals(networks):
    spans = sorted((int(n.network_address), int(n.broadcast_address)) for n in networks)
    merged = []
    for low, high in spans:
        if merged and low <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], high)
        else:
            merged.append([low, high])
    return merged


def public_addresses(networks, version):
    """How many internet-routable addresses the union of `networks` (one IP version) covers."""
    total = sum(high - low + 1 for low, high in _intervals(networks))
    excluded = _intervals([ipaddress.ip_network(c) for c in NOT_PUBLIC[version]])
    for low, high in _intervals(networks):
        for x_low, x_high in excluded:
            overlap = min(high, x_high) - max(low, x_low) + 1
            total -= max(overlap, 0)
    return total


def _wide(cidrs):
    """The CIDRs of a rule, when together they cover more of the internet than PUBLIC_LIMIT allows."""
    networks = {4: [], 6: []}
    for cidr in cidrs:
        try:
            network = ipaddress.ip_network(cidr, strict=False)
        except ValueError:
            continue
        networks[network.version].append(network)
    return [
        c
        for version, found in networks.items()
        if public_addresses(found, version) > PUBLIC_LIMIT[version]
        for c in sorted(str(n) for n in found)
    ]


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
    world = _wide(cidrs)
    if world:
        ports = f"{rule.get('from_port', 'all')}-{rule.get('to_port', 'all')}"
        violations.append(
            Violation(
                f"ingress from {', '.join(world)} (more than a public /8 or IPv6 /32) on ports {ports}",
                (*world, *cidrs),
            )
        )
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
    title="Security groups admit no wide part of the internet",
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
    covers=("CKV_AWS_24", "CKV_AWS_25", "CKV_AWS_260", "CKV_AWS_277"),
    replaces=(
        Replacement(
            checks=("CKV_AWS_24", "CKV_AWS_25", "CKV_AWS_260", "CKV_AWS_277"),
            types=("aws_vpc_security_group_ingress_rule",),
            reason="Checkov reads an ingress rule without cidr_ipv4 as open to 0.0.0.0/0, but the rule names exactly "
            "one source (cidr_ipv4, cidr_ipv6, prefix_list_id or referenced_security_group_id; Terraform AWS "
            "provider, aws_vpc_security_group_ingress_rule); a referenced group or prefix list admits only its "
            "members. NET-SG-001 reads every CIDR the rule names",
        ),
    ),
)
