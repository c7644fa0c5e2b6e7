"""The forms that must fail SEC-ROT-001 and those that must pass it, AWS's documented form among them
(Secrets rotate automatically)."""

from policies.fixtures import Form, doc

LAMBDA = "arn:aws:lambda:eu-central-1:111122223333:function:rot"


def rotation(secret_id, rules):
    return {
        "aws_secretsmanager_secret_rotation": {
            "rot": {
                "secret_id": secret_id,
                "rotation_lambda_arn": LAMBDA,
                **({"rotation_rules": rules} if rules is not None else {}),
            }
        }
    }


SECRET = {"aws_secretsmanager_secret": {"s": {"name": "s"}}}
FETCHED = {"aws_secretsmanager_secret": {"mes": {"name": "mes-api-key"}}}
FAIL = [
    Form("created secret without rotation", "aws_secretsmanager_secret.s", doc(SECRET)),
    Form("fetched secret without rotation", "data.aws_secretsmanager_secret.mes", doc({}, FETCHED)),
    Form(
        "rotation without a schedule",
        "aws_secretsmanager_secret.s",
        doc({**SECRET, **rotation("${aws_secretsmanager_secret.s.id}", {})}),
    ),
    Form(
        "rotation of another secret",
        "aws_secretsmanager_secret.s",
        doc({**SECRET, **rotation("other", {"automatically_after_days": 30})}),
    ),
    Form(
        "schedule from a variable",
        "aws_secretsmanager_secret.s",
        doc({**SECRET, **rotation("${aws_secretsmanager_secret.s.id}", {"automatically_after_days": "${var.days}"})}),
    ),
]
PASS = [
    Form(
        "rotation every 30 days",
        "aws_secretsmanager_secret.s",
        doc({**SECRET, **rotation("${aws_secretsmanager_secret.s.id}", {"automatically_after_days": 30})}),
        "https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotating-secrets.html",
    ),
    Form(
        "fetched secret rotated on a schedule expression",
        "data.aws_secretsmanager_secret.mes",
        doc(rotation("${data.aws_secretsmanager_secret.mes.id}", [{"schedule_expression": "rate(30 days)"}]), FETCHED),
    ),
    Form(
        "rotation by ARN reference",
        "aws_secretsmanager_secret.s",
        doc({**SECRET, **rotation("${aws_secretsmanager_secret.s.arn}", {"automatically_after_days": 7})}),
    ),
]
