"""SEC-PLAIN-001 forms: secrets written in sensitive attributes, under keys that name them by meaning, by value,
copied into plain settings, generated into state, exported; and AWS's ways of keeping them out of code."""

from policies.fixtures import Form, as_jsonencode, doc

SECRET_VALUE = "${data.aws_secretsmanager_secret_version.db.secret_string}"
FETCHED = {"aws_secretsmanager_secret_version": {"db": {"secret_id": "iotsp/dev/db"}}}
# An AWS secret access key as AWS's documentation writes its example: base64 with "/" in it.
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


USER_DATA = (
    "#!/bin/sh\ncat > /k <<EOF\n-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\nEOF\n"
)


LAMBDA, GLUE = "aws_lambda_function.f", "aws_glue_job.j"


def glue_job(arguments):
    return doc({"aws_glue_job": {"j": {"default_arguments": arguments}}})


def codebuild(value, kind):
    variable = {"name": "GITHUB_TOKEN", "value": value, "type": kind}
    return doc({"aws_codebuild_project": {"b": {"environment": {"environment_variable": [variable]}}}})


def lambda_env(variables, data=None):
    return doc({"aws_lambda_function": {"f": {"function_name": "f", "environment": {"variables": variables}}}}, data)


FAIL = [
    Form(
        "master_password on a cluster",
        "aws_rds_cluster.db",
        doc({"aws_rds_cluster": {"db": {"master_password": "hunter2hunter2"}}}),
    ),
    Form(
        "aws_db_instance.password (the instance's attribute is `password`)",
        "aws_db_instance.db",
        doc({"aws_db_instance": {"db": {"username": "admin", "password": "hunter2hunter2"}}}),
    ),
    Form(
        "secret_string literal JSON",
        "aws_secretsmanager_secret_version.v",
        doc({"aws_secretsmanager_secret_version": {"v": {"secret_id": "s", "secret_string": '{"api_key":"abc"}'}}}),
    ),
    Form(
        "secret_string as the Fn.jsonencode token cdktf writes, a literal leaf inside",
        "aws_secretsmanager_secret_version.v",
        doc(
            {
                "aws_secretsmanager_secret_version": {
                    "v": {"secret_id": "s", "secret_string": as_jsonencode({"api_key": "abc"})}
                }
            }
        ),
    ),
    Form("Lambda environment API key", LAMBDA, lambda_env({"API_KEY": "abc123secretvalue"})),
    Form("Glue default argument password", GLUE, glue_job({"--db_password": "hunter2hunter2"})),
    Form(
        "a base64 key with '/' under a key named by meaning (MES_CREDENTIAL)",
        LAMBDA,
        lambda_env({"MES_CREDENTIAL": SECRET_KEY}),
    ),
    Form(
        "a high-entropy value under a key that names nothing secret",
        LAMBDA,
        lambda_env({"MES_UPLINK": "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1ub3A/xyZ"}),
    ),
    Form("AWS access key id in a Glue argument", GLUE, glue_job({"--mes_user": "AKIAIOSFODNN7EXAMPLE"})),
    Form(
        "Glue connection PASSWORD in connection_properties",
        "aws_glue_connection.c",
        doc(
            {
                "aws_glue_connection": {
                    "c": {
                        "name": "c",
                        "connection_properties": {
                            "JDBC_CONNECTION_URL": "jdbc:postgresql://db.example:5432/sensors",
                            "USERNAME": "writer",
                            "PASSWORD": "hunter2hunter2",
                        },
                    }
                }
            }
        ),
    ),
    Form(
        "credentials inside a JDBC URL",
        "aws_glue_connection.c",
        doc(
            {
                "aws_glue_connection": {
                    "c": {
                        "connection_properties": {"JDBC_CONNECTION_URL": "jdbc:postgresql://writer:hunter2@db:5432/x"}
                    }
                }
            }
        ),
    ),
    Form(
        "SSM String parameter whose name says it holds an API key",
        "aws_ssm_parameter.p",
        doc(
            {"aws_ssm_parameter": {"p": {"name": "/iotsp/dev/mes/api-key", "type": "String", "value": "mes-4711-live"}}}
        ),
    ),
    Form(
        "SSM SecureString parameter with a random-looking value in code",
        "aws_ssm_parameter.p",
        doc(
            {"aws_ssm_parameter": {"p": {"name": "/iotsp/dev/mes/uplink", "type": "SecureString", "value": SECRET_KEY}}}
        ),
    ),
    Form(
        "a fetched secret's value copied into a Lambda environment variable",
        LAMBDA,
        lambda_env({"DB_CONFIG": SECRET_VALUE}, FETCHED),
    ),
    Form(
        "ECS container definition (a JSON string) with a password in environment",
        "aws_ecs_task_definition.t",
        doc(
            {
                "aws_ecs_task_definition": {
                    "t": {
                        "family": "t",
                        "container_definitions": '[{"name":"app","image":"app:1","environment":'
                        '[{"name":"DB_PASSWORD","value":"hunter2hunter2"}]}]',
                    }
                }
            }
        ),
    ),
    Form(
        "CodeBuild PLAINTEXT environment variable holding a token",
        "aws_codebuild_project.b",
        codebuild("ghp_abcdefghijklmnopqrstuvwxyz0123456789", "PLAINTEXT"),
    ),
    Form(
        "RDS password from a variable (its value comes from outside any secret store)",
        "aws_rds_cluster.db",
        doc({"aws_rds_cluster": {"db": {"master_password": "${var.db_password}"}}}),
    ),
    Form(
        "EventBridge connection API key (a nested sensitive attribute)",
        "aws_cloudwatch_event_connection.c",
        doc(
            {
                "aws_cloudwatch_event_connection": {
                    "c": {
                        "authorization_type": "API_KEY",
                        "auth_parameters": {"api_key": {"key": "x-api-key", "value": "mes-4711-live"}},
                    }
                }
            }
        ),
    ),
    Form(
        "a private key in EC2 user data",
        "aws_instance.i",
        doc({"aws_instance": {"i": {"user_data": USER_DATA}}}),
    ),
    Form(
        "an IAM access key Terraform generates (secret in state)",
        "aws_iam_access_key.k",
        doc({"aws_iam_access_key": {"k": {"user": "ci"}}}),
    ),
    Form(
        "nonsensitive() around a Secrets Manager value",
        "data.aws_secretsmanager_secret_version.db",
        {**doc({}, FETCHED), "output": {"db": {"value": "${nonsensitive(" + SECRET_VALUE[2:-1] + ")}"}}},
    ),
    Form(
        "an output exporting a fetched secret value",
        "data.aws_secretsmanager_secret_version.db",
        {**doc({}, FETCHED), "output": {"dbSecret": {"value": SECRET_VALUE, "sensitive": True}}},
    ),
]
PASS = [
    Form(
        "RDS-managed master password",
        "aws_rds_cluster.db",
        doc({"aws_rds_cluster": {"db": {"manage_master_user_password": True}}}),
        "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/rds-secrets-manager.html",
    ),
    Form(
        "Lambda gets the secret ARN",
        "aws_lambda_function.f",
        lambda_env({"API_KEY_SECRET_ARN": "${aws_secretsmanager_secret.s.arn}", "PASSWORD_MIN_LENGTH": "16"}),
        "https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieving-secrets_lambda.html",
    ),
    Form(
        "Glue argument names the secret by id",
        GLUE,
        glue_job({"--db_secret_id": "iotsp/dev/db", "--db_user": "writer"}),
    ),
    Form(
        "Glue connection with SECRET_ID instead of USERNAME/PASSWORD",
        "aws_glue_connection.c",
        doc(
            {
                "aws_glue_connection": {
                    "c": {
                        "connection_properties": {
                            "JDBC_CONNECTION_URL": "jdbc:postgresql://db.example:5432/sensors",
                            "SECRET_ID": "iotsp/dev/db",
                        }
                    }
                }
            }
        ),
        "https://docs.aws.amazon.com/glue/latest/dg/connection-properties.html",
    ),
    Form(
        "instance password fetched from Secrets Manager",
        "aws_db_instance.db",
        doc({"aws_db_instance": {"db": {"username": "admin", "password": SECRET_VALUE}}}, FETCHED),
    ),
    Form(
        "secret_string built with jsonencode from a generated password (AWS's database secret structure)",
        "aws_secretsmanager_secret_version.v",
        doc(
            {
                "aws_secretsmanager_secret_version": {
                    "v": {
                        "secret_id": "${aws_secretsmanager_secret.s.id}",
                        "secret_string": as_jsonencode(
                            {
                                "engine": "postgres",
                                "username": "writer",
                                "password": "${data.aws_secretsmanager_random_password.pw.random_password}",
                            }
                        ),
                    }
                }
            },
            {"aws_secretsmanager_random_password": {"pw": {"password_length": 32}}},
        ),
        "https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_secret_json_structure.html",
    ),
    Form(
        "SSM String parameter holding a setting",
        "aws_ssm_parameter.p",
        doc(
            {"aws_ssm_parameter": {"p": {"name": "/iotsp/dev/stream-name", "type": "String", "value": "iotsp-line-1"}}}
        ),
    ),
    Form(
        "CodeBuild environment variable from Secrets Manager",
        "aws_codebuild_project.b",
        codebuild("ci/github:token", "SECRETS_MANAGER"),
        "https://docs.aws.amazon.com/codebuild/latest/userguide/build-spec-ref.html#build-spec.env.secrets-manager",
    ),
    Form(
        "ECS secret injected with valueFrom",
        "aws_ecs_task_definition.t",
        doc(
            {
                "aws_ecs_task_definition": {
                    "t": {
                        "family": "t",
                        "container_definitions": '[{"name":"app","image":"app:1","secrets":[{"name":"DB_PASSWORD",'
                        '"valueFrom":"arn:aws:secretsmanager:eu-central-1:111122223333:secret:iotsp/dev/db-AbCdEf"}]}]',
                    }
                }
            }
        ),
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-secrets-manager.html",
    ),
    Form(
        "an SSM parameter's value exported through nonsensitive(): the author declares it is no secret",
        "data.aws_ssm_parameter.endpoint",
        {
            **doc({}, {"aws_ssm_parameter": {"endpoint": {"name": "/iotsp/account-baseline/iot-device-endpoint"}}}),
            "output": {"iotEndpoint": {"value": "${nonsensitive(data.aws_ssm_parameter.endpoint.value)}"}},
        },
    ),
    Form(
        "an output exporting the secret's ARN",
        "data.aws_secretsmanager_secret_version.db",
        {**doc({}, FETCHED), "output": {"dbSecretArn": {"value": "${data.aws_secretsmanager_secret_version.db.arn}"}}},
    ),
]
