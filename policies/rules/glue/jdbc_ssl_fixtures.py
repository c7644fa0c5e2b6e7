"""The forms that must fail GLUE-TLS-001 and those that must pass it, AWS's documented form among them (AWS Glue
Connection API: JDBC_ENFORCE_SSL "true" enforces SSL with hostname matching; the default is false)."""

from policies.fixtures import Form, doc

CONNECTIONS = "https://docs.aws.amazon.com/glue/latest/dg/aws-glue-api-catalog-connections.html"
URL = "jdbc:postgresql://db.cluster-abc.eu-central-1.rds.amazonaws.com:5432/sensors"
SECRET = "arn:aws:secretsmanager:eu-central-1:111122223333:secret:glue-db-AbCdEf"


def connection(properties, **config):
    body = {"name": "db", **config}
    if properties is not None:
        body["connection_properties"] = properties
    return doc({"aws_glue_connection": {"c": body}})


def jdbc(**extra):
    return {"JDBC_CONNECTION_URL": URL, "SECRET_ID": SECRET, **extra}


FAIL = [
    Form(
        "JDBC connection as the provider's example writes it (no SSL setting)",
        "aws_glue_connection.c",
        connection(jdbc(), connection_type="JDBC"),
    ),
    Form("connection_type left out (JDBC is the default)", "aws_glue_connection.c", connection(jdbc())),
    Form(
        'JDBC_ENFORCE_SSL = "false"',
        "aws_glue_connection.c",
        connection(jdbc(JDBC_ENFORCE_SSL="false"), connection_type="JDBC"),
    ),
    Form("JDBC_ENFORCE_SSL from a variable", "aws_glue_connection.c", connection(jdbc(JDBC_ENFORCE_SSL="${var.ssl}"))),
    Form(
        "a custom certificate, but SSL not enforced",
        "aws_glue_connection.c",
        connection(jdbc(CUSTOM_JDBC_CERT="s3://certs/rds-ca.pem"), connection_type="JDBC"),
    ),
    Form(
        "connection_type from a variable",
        "aws_glue_connection.c",
        connection(jdbc(JDBC_ENFORCE_SSL="true"), connection_type="${var.kind}"),
    ),
    Form(
        "connection_properties from a variable",
        "aws_glue_connection.c",
        connection("${var.properties}", connection_type="JDBC"),
    ),
    Form(
        "JDBC connection on an aliased provider in a VPC, no SSL",
        "aws_glue_connection.c",
        doc(
            {
                "aws_glue_connection": {
                    "c": {
                        "name": "db",
                        "provider": "aws.replica",
                        "connection_properties": jdbc(),
                        "physical_connection_requirements": [
                            {"subnet_id": "subnet-1", "security_group_id_list": ["sg-1"]}
                        ],
                    }
                }
            },
            aliases=("replica",),
        ),
    ),
]
PASS = [
    Form(
        'JDBC_ENFORCE_SSL = "true"',
        "aws_glue_connection.c",
        connection(jdbc(JDBC_ENFORCE_SSL="true"), connection_type="JDBC"),
        CONNECTIONS,
    ),
    Form(
        "TRUE in capitals (the value is case-insensitive)",
        "aws_glue_connection.c",
        connection(jdbc(JDBC_ENFORCE_SSL="TRUE")),
    ),
    Form(
        "SSL enforced with the RDS CA as a custom certificate, password from a variable",
        "aws_glue_connection.c",
        connection(
            {
                "JDBC_CONNECTION_URL": URL,
                "USERNAME": "glue",
                "PASSWORD": "${var.db_password}",
                "JDBC_ENFORCE_SSL": "true",
                "CUSTOM_JDBC_CERT": "s3://certs/rds-ca.pem",
            },
            connection_type="JDBC",
        ),
        CONNECTIONS,
    ),
    Form(
        'a JSON boolean true (Terraform converts it to "true")',
        "aws_glue_connection.c",
        connection(jdbc(JDBC_ENFORCE_SSL=True)),
    ),
]
