"""LF-GRANT-001: Lake Formation grants name specific permissions, never ALL or SUPER."""

from policies.model import Rule, fail, ok

BROAD = {"ALL", "SUPER"}


def check(grant, view):
    broad = BROAD & set(grant.get("permissions") or [])
    broad |= BROAD & set(grant.get("permissions_with_grant_option") or [])
    if broad:
        return fail(f"grant gives {', '.join(sorted(broad))} to {grant.get('principal')}")
    return ok("specific permissions: " + ", ".join(grant.get("permissions") or []))


RULE = Rule(
    id="LF-GRANT-001",
    title="Lake Formation grants are specific",
    category="privilege",
    severity="high",
    resource_types=("aws_lakeformation_permissions",),
    check=check,
    fix="grant only what the principal needs (e.g. SELECT, DESCRIBE; DATA_LOCATION_ACCESS for writers)",
)
