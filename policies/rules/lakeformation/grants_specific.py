"""LF-GRANT-001: Lake Formation grants name specific permissions to named principals.

Fails: ALL or SUPER_USER (in permissions or permissions_with_grant_option), every table permission on a table
wildcard (the same as ALL), grants to IAM_ALLOWED_PRINCIPALS (every IAM principal with IAM access), and data lake
settings whose create_database/create_table default permissions hand out ALL or name IAM_ALLOWED_PRINCIPALS
(Lake Formation Developer Guide, "Changing the default settings for your data lake",
https://docs.aws.amazon.com/lake-formation/latest/dg/change-settings.html).
"""

from policies.model import Rule, Violation, block_of, blocks_of, is_opaque, judged

BROAD = {"ALL", "SUPER", "SUPER_USER"}
TABLE_PERMISSIONS = {"SELECT", "ALTER", "DROP", "DELETE", "INSERT", "DESCRIBE"}
EVERYONE = "IAM_ALLOWED_PRINCIPALS"


def check(resource, view):
    if resource.type == "aws_lakeformation_data_lake_settings":
        return _settings(resource)
    violations = []
    principal = resource.get("principal")
    permissions, grantable = resource.get("permissions"), resource.get("permissions_with_grant_option")
    for label, value in (
        ("permissions", permissions),
        ("permissions_with_grant_option", grantable),
        ("principal", principal),
    ):
        if is_opaque(value) or (label != "principal" and value is not None and not isinstance(value, list)):
            violations.append(Violation(f"{label} is {value!r}, which cannot be read; write the list literally"))
    if violations:
        return judged(violations, "")
    given = set(permissions or []) | set(grantable or [])
    broad = sorted(BROAD & given)
    if broad:
        violations.append(Violation(f"grant gives {', '.join(broad)} to {principal}", tuple(broad)))
    table = block_of(resource.get("table"))
    if table.get("wildcard") is True and given >= TABLE_PERMISSIONS:
        violations.append(
            Violation(
                f"grant gives every table permission on every table of the database to {principal} (the same as ALL)",
                tuple(sorted(TABLE_PERMISSIONS)),
            )
        )
    if principal == EVERYONE:
        violations.append(
            Violation("grant to IAM_ALLOWED_PRINCIPALS lets every IAM principal with IAM access in", (EVERYONE,))
        )
    return judged(violations, "specific permissions to a named principal: " + ", ".join(sorted(given)))


def _settings(settings):
    violations = []
    for key in ("create_database_default_permissions", "create_table_default_permissions"):
        for block in blocks_of(settings.get(key)):
            given = set(block.get("permissions") or [])
            if block.get("principal") == EVERYONE or BROAD & given:
                violations.append(
                    Violation(
                        f"{key} hands {', '.join(sorted(given)) or 'permissions'} to "
                        f"{block.get('principal')} on every new database or table",
                        (key,),
                    )
                )
    return judged(violations, "no default permissions on new databases and tables")


RULE = Rule(
    id="LF-GRANT-001",
    title="Lake Formation grants are specific",
    category="privilege",
    severity="high",
    resource_types=("aws_lakeformation_permissions", "aws_lakeformation_data_lake_settings"),
    check=check,
    fix="grant only what the principal needs (e.g. SELECT, DESCRIBE; DATA_LOCATION_ACCESS for writers) to a named "
    "role; set create_*_default_permissions to none",
)
