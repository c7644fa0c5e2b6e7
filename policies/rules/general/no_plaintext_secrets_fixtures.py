"""SEC-PLAIN-001 forms."""

from policies.fixtures import Form, doc

FAIL = [
    Form(
        "master_password on a cluster",
        "aws_rds_cluster.db",
        doc({"aws_rds_cluster": {"db": {"master_password": "hunter2hunter2"}}}),
    ),
    Form(
        "master_password on an instance",
        "aws_db_instance.db",
        doc({"aws_db_instance": {"db": {"password": "x", "master_password": "hunter2"}}}),
    ),
    Form(
        "secret_string literal",
        "aws_secretsmanager_secret_version.v",
        doc({"aws_secretsmanager_secret_version": {"v": {"secret_id": "s", "secret_string": '{"api_key":"abc"}'}}}),
    ),
    Form(
        "Lambda environment API key",
        "aws_lambda_function.f",
        doc({"aws_lambda_function": {"f": {"environment": {"variables": {"API_KEY": "abc123secretvalue"}}}}}),
    ),
    Form(
        "Glue default argument password",
        "aws_glue_job.j",
        doc({"aws_glue_job": {"j": {"default_arguments": {"--db_password": "hunter2hunter2"}}}}),
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
        doc(
            {
                "aws_lambda_function": {
                    "f": {"environment": {"variables": {"API_KEY_SECRET_ARN": "${aws_secretsmanager_secret.s.arn}"}}}
                }
            }
        ),
        "https://docs.aws.amazon.com/secretsmanager/latest/userguide/retrieving-secrets_lambda.html",
    ),
    Form(
        "Glue argument names the secret",
        "aws_glue_job.j",
        doc({"aws_glue_job": {"j": {"default_arguments": {"--db_secret": "iotsp/dev/db"}}}}),
    ),
]
