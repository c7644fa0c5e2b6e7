"""GLUE-TLS-001: a Glue JDBC connection enforces SSL with hostname matching (`JDBC_ENFORCE_SSL = "true"`).

Without it Glue may reach the database in plain text, and does not check the server's name: "JDBC_ENFORCE_SSL - A
case-insensitive Boolean string (true, false) specifying whether Secure Sockets Layer (SSL) with hostname matching
is enforced for the JDBC connection on the client. The default is false." (AWS Glue Connection API,
https://docs.aws.amazon.com/glue/latest/dg/aws-glue-api-catalog-connections.html). `connection_type` defaults to
JDBC in the AWS provider; NETWORK connections (a VPC placement, no database) and the other types are out of scope.
"""

from policies.model import Rule, Unreadable, fail, is_reference, ok

FIELD = "connection_properties.JDBC_ENFORCE_SSL"


def check(connection, view):
    kind, properties = connection.get("connection_type"), connection.get("connection_properties") or {}
    for field, value in (("connection_type", kind), ("connection_properties", properties)):
        if is_reference(value) or not isinstance(value, str | dict | None):
            raise Unreadable(
                f"{field} is {value!r}, which only Terraform can evaluate: write it in the stack (a JDBC connection "
                'with JDBC_ENFORCE_SSL = "true"), or suppress the rule on this construct with a reason'
            )
    if str(kind or "JDBC").upper() != "JDBC":
        return None
    value = properties.get("JDBC_ENFORCE_SSL")
    if value is not None and connection.flag(FIELD, value):  # a token: fails closed, named
        return ok("the JDBC connection enforces SSL with hostname matching")
    written = "is not set" if value is None else f"is {value!r}"
    return fail(
        f"{FIELD} {written} (Glue's default is false): Glue may reach the database without TLS and without checking "
        'its hostname; set it to "true"'
    )


RULE = Rule(
    id="GLUE-TLS-001",
    title="Glue JDBC connections enforce SSL",
    category="transport",
    severity="high",
    resource_types=("aws_glue_connection",),
    check=check,
    fix='set connection_properties JDBC_ENFORCE_SSL = "true" (and CUSTOM_JDBC_CERT for a private CA such as RDS\'s)',
)
