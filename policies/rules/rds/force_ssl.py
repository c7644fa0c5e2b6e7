"""RDS-TLS-001: a PostgreSQL cluster uses a parameter group with rds.force_ssl = 1."""

from policies.model import Rule, blocks_of, fail, is_reference, ok


def _parameter_group(cluster, view):
    name = cluster.literal("db_cluster_parameter_group_name")
    target = view.resolve(name)
    if target is not None:
        return target
    for group in view.resources("aws_rds_cluster_parameter_group"):
        if name and not is_reference(name) and group.get("name") == name:
            return group
    return None


def check(cluster, view):
    if "postgres" not in str(cluster.get("engine", "")):
        return None
    group = _parameter_group(cluster, view)
    if group is None:
        return fail("cluster uses the default parameter group, where rds.force_ssl is 0")
    values = {p.get("name"): str(p.get("value")) for p in blocks_of(group.get("parameter"))}
    if values.get("rds.force_ssl") != "1":
        return fail(f"{group.address} does not set rds.force_ssl = 1")
    return ok("rds.force_ssl = 1")


RULE = Rule(
    id="RDS-TLS-001",
    title="PostgreSQL clusters refuse connections without TLS",
    category="transport",
    severity="high",
    resource_types=("aws_rds_cluster",),
    check=check,
    fix="use an aws_rds_cluster_parameter_group with parameter rds.force_ssl = 1",
)
