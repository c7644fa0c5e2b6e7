"""Lake Formation governs the lake: the grants on the catalog tables, read back from Lake Formation itself.

The emulator applies and serves the grants (they are released from its state before destroy, see
infra/deploy/local_target.py), so these run there too. What they prove is which grants are in force; that Lake
Formation enforces them on a query only AWS shows, and the analyst role needs a person's MFA session to try.
"""

from __future__ import annotations

from tests.integration.mutations import mutation

READ = {"SELECT", "DESCRIBE"}
JOB_TABLE = {"SELECT", "INSERT", "DESCRIBE", "ALTER"}


def _permissions(lakeformation, **query) -> list[dict]:
    """Every entry ListPermissions returns for the query (botocore has no paginator for it)."""
    entries, token = [], None
    while True:
        page = lakeformation.list_permissions(**query, **({"NextToken": token} if token else {}))
        entries += page["PrincipalResourcePermissions"]
        token = page.get("NextToken")
        if not token:
            return entries


def _grants(outputs, aws) -> dict[tuple[str, str], set[str]]:
    """(principal, resource) -> permissions, for the lake's database and each of its tables."""
    lakeformation, glue = aws("lakeformation"), aws("glue")
    database = outputs["glueDatabaseName"]
    resources = {"database": {"Database": {"Name": database}}}
    for table in glue.get_tables(DatabaseName=database)["TableList"]:
        resources[table["Name"]] = {"Table": {"DatabaseName": database, "Name": table["Name"]}}
    held: dict[tuple[str, str], set[str]] = {}
    for label, resource in resources.items():
        for entry in _permissions(lakeformation, Resource=resource):
            principal = entry["Principal"]["DataLakePrincipalIdentifier"]
            held.setdefault((principal, label), set()).update(entry["Permissions"])
            grantable = entry.get("PermissionsWithGrantOption") or []
            if grantable:
                held.setdefault((principal, f"{label} (grantable)"), set()).update(grantable)
    return held


def _analyst_may_insert(outputs, aws):
    lakeformation = aws("lakeformation")
    table = {"Table": {"DatabaseName": outputs["glueDatabaseName"], "Name": "sensor_events"}}
    analyst = {"DataLakePrincipalIdentifier": outputs["analystRoleArn"]}

    def regrant(old: list[str], new: list[str]) -> None:
        # Revoke, then grant the new set whole: moto fails a revoke after a grant merged into an existing one.
        lakeformation.revoke_permissions(Principal=analyst, Resource=table, Permissions=old)
        lakeformation.grant_permissions(Principal=analyst, Resource=table, Permissions=new)

    regrant(sorted(READ), [*sorted(READ), "INSERT"])
    return lambda: regrant([*sorted(READ), "INSERT"], sorted(READ))


@mutation("the analyst role is also granted INSERT on the events table", _analyst_may_insert)
def test_table_grants_are_least_privilege(outputs, aws):
    """On every lake table the analyst role may only read (SELECT, DESCRIBE), the job role may read and append
    (SELECT, INSERT, DESCRIBE, ALTER), nobody else holds anything, nothing is grantable, and no
    IAM_ALLOWED_PRINCIPALS grant lets plain IAM policies bypass Lake Formation."""
    held = _grants(outputs, aws)
    analyst, job = outputs["analystRoleArn"], outputs["glueJobRoleArn"]
    tables = sorted({label for _, label in held if label != "database" and "(grantable)" not in label})
    assert {"sensor_events", "anomalies"} <= set(tables), tables
    for table in tables:
        assert held.get((analyst, table)) == READ, (table, held.get((analyst, table)))
        assert held.get((job, table)) == JOB_TABLE, (table, held.get((job, table)))
    assert held.get((analyst, "database")) == {"DESCRIBE"} and held.get((job, "database")) == {"DESCRIBE"}
    strangers = {key: perms for key, perms in held.items() if key[0] not in (analyst, job)}
    assert not strangers, strangers
    assert not [key for key in held if "(grantable)" in key[1]], held


def _job_may_write_raw(outputs, aws):
    lakeformation = aws("lakeformation")
    resource = {"DataLocation": {"ResourceArn": f"arn:aws:s3:::{outputs['rawBucketName']}"}}
    principal = {"DataLakePrincipalIdentifier": outputs["glueJobRoleArn"]}
    lakeformation.grant_permissions(Principal=principal, Resource=resource, Permissions=["DATA_LOCATION_ACCESS"])
    return lambda: lakeformation.revoke_permissions(
        Principal=principal, Resource=resource, Permissions=["DATA_LOCATION_ACCESS"]
    )


@mutation("the job role is also granted the raw bucket's data location", _job_may_write_raw)
def test_job_may_write_only_its_own_locations(outputs, aws):
    """The job role holds DATA_LOCATION_ACCESS on the curated and anomalies locations only (not raw), and the
    analyst role on none."""
    lakeformation = aws("lakeformation")
    by_principal: dict[str, set[str]] = {}
    for entry in _permissions(lakeformation, ResourceType="DATA_LOCATION"):
        location = entry["Resource"]["DataLocation"]["ResourceArn"]
        by_principal.setdefault(entry["Principal"]["DataLakePrincipalIdentifier"], set()).add(location)
    job_locations = by_principal.get(outputs["glueJobRoleArn"], set())
    assert {arn.rsplit(":::", 1)[-1] for arn in job_locations} == {
        outputs["curatedBucketName"],
        outputs["anomaliesBucketName"],
    }
    assert outputs["analystRoleArn"] not in by_principal
