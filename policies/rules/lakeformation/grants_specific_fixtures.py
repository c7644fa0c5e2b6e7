"""The forms that must fail LF-GRANT-001 and those that must pass it, AWS's documented form among them
(Lake Formation grants are specific)."""

from policies.fixtures import Form, doc

S = "aws_lakeformation_permissions.g"
ROLE = "arn:aws:iam::111122223333:role/analyst"


def grant(**config):
    return doc({"aws_lakeformation_permissions": {"g": {"principal": ROLE, **config}}})


TABLE = {"database_name": "lake", "wildcard": True}
FAIL = [
    Form("ALL", S, grant(permissions=["ALL"], database={"name": "lake"})),
    Form("ALL with grant option", S, grant(permissions=["SELECT"], permissions_with_grant_option=["ALL"], table=TABLE)),
    Form("SUPER_USER", S, grant(permissions=["SUPER_USER"], catalog_resource=True)),
    Form(
        "every table permission on a table wildcard",
        S,
        grant(permissions=["SELECT", "ALTER", "DROP", "DELETE", "INSERT", "DESCRIBE"], table=TABLE),
    ),
    Form(
        "grant to IAM_ALLOWED_PRINCIPALS",
        S,
        doc(
            {
                "aws_lakeformation_permissions": {
                    "g": {"principal": "IAM_ALLOWED_PRINCIPALS", "permissions": ["SELECT"], "table": TABLE}
                }
            }
        ),
    ),
    Form(
        "default permissions hand out ALL",
        "aws_lakeformation_data_lake_settings.s",
        doc(
            {
                "aws_lakeformation_data_lake_settings": {
                    "s": {
                        "admins": [ROLE],
                        "create_table_default_permissions": [
                            {"principal": "IAM_ALLOWED_PRINCIPALS", "permissions": ["ALL"]}
                        ],
                    }
                }
            }
        ),
    ),
    Form("permissions from a variable", S, grant(permissions="${var.permissions}", table=TABLE)),
]
PASS = [
    Form(
        "SELECT and DESCRIBE on a table wildcard",
        S,
        grant(permissions=["SELECT", "DESCRIBE"], table=TABLE),
        "https://docs.aws.amazon.com/lake-formation/latest/dg/granting-table-permissions.html",
    ),
    Form(
        "DATA_LOCATION_ACCESS for a writer",
        S,
        grant(permissions=["DATA_LOCATION_ACCESS"], data_location={"arn": "arn:aws:s3:::lake"}),
    ),
    Form(
        "data lake settings without default permissions",
        "aws_lakeformation_data_lake_settings.s",
        doc(
            {
                "aws_lakeformation_data_lake_settings": {
                    "s": {
                        "admins": [ROLE],
                        "create_table_default_permissions": [],
                        "create_database_default_permissions": [],
                    }
                }
            }
        ),
        "https://docs.aws.amazon.com/lake-formation/latest/dg/change-settings.html",
    ),
]
