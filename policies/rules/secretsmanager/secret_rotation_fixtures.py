"""The forms that must fail SEC-ROT-001 and those that must pass it, AWS's documented forms among them
(Secrets Manager User Guide, "Rotation schedules": rate(10 days), rate(4 hours), cron(0 8 1/7 * ? *) and the like)."""

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
SCHEDULES = "https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_schedule.html"


def rotated(rules):
    """The created secret `s` with one rotation on these rotation_rules."""
    return doc({**SECRET, **rotation("${aws_secretsmanager_secret.s.id}", rules)})


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
    Form(
        "every 90 days (the longest Checkov's own check allows)",
        "aws_secretsmanager_secret.s",
        rotated({"automatically_after_days": 90}),
    ),
    Form(
        "31 days written as a string (Terraform converts it)",
        "aws_secretsmanager_secret.s",
        rotated({"automatically_after_days": "31"}),
    ),
    Form("rate(31 days)", "aws_secretsmanager_secret.s", rotated([{"schedule_expression": "rate(31 days)"}])),
    Form(
        "rate(1000 hours): 41.7 days",
        "aws_secretsmanager_secret.s",
        rotated({"schedule_expression": "rate(1000 hours)"}),
    ),
    Form(
        "monthly cron on the 1st (31-day gaps)",
        "aws_secretsmanager_secret.s",
        rotated({"schedule_expression": "cron(0 8 1 * ? *)"}),
    ),
    Form(
        "cron on the last day of every month (Feb 28 to Mar 31)",
        "aws_secretsmanager_secret.s",
        rotated({"schedule_expression": "cron(0 16 L * ? *)"}),
    ),
    Form(
        "quarterly cron",
        "aws_secretsmanager_secret.s",
        rotated({"schedule_expression": "cron(0 0 1 JAN,APR,JUL,OCT ? *)"}),
    ),
    Form(
        "first Sunday of every month (up to 35 days)",
        "aws_secretsmanager_secret.s",
        rotated({"schedule_expression": "cron(0 0 ? * SUN#1 *)"}),
    ),
    Form(
        "cron on the 31st (months without one are skipped)",
        "aws_secretsmanager_secret.s",
        rotated({"schedule_expression": "cron(0 0 31 * ? *)"}),
    ),
    Form(
        "cron with a year: rotation stops after it",
        "aws_secretsmanager_secret.s",
        rotated({"schedule_expression": "cron(0 0 1/7 * ? 2030)"}),
    ),
    Form(
        "schedule expression from a variable",
        "aws_secretsmanager_secret.s",
        rotated({"schedule_expression": "${var.schedule}"}),
    ),
    Form(
        "rate with its value from a variable",
        "aws_secretsmanager_secret.s",
        rotated({"schedule_expression": "rate(${var.days} days)"}),
    ),
    Form(
        "short schedule, but a second rotation of the same secret every 90 days",
        "aws_secretsmanager_secret.s",
        doc(
            {
                **SECRET,
                "aws_secretsmanager_secret_rotation": {
                    "rot": {
                        "secret_id": "${aws_secretsmanager_secret.s.id}",
                        "rotation_lambda_arn": LAMBDA,
                        "rotation_rules": {"automatically_after_days": 7},
                    },
                    "old": {
                        "secret_id": "${aws_secretsmanager_secret.s.arn}",
                        "rotation_lambda_arn": LAMBDA,
                        "rotation_rules": {"automatically_after_days": 90},
                    },
                },
            }
        ),
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
    Form(
        "rate(10 days), as AWS's guide writes it",
        "aws_secretsmanager_secret.s",
        rotated({"schedule_expression": "rate(10 days)"}),
        SCHEDULES,
    ),
    Form(
        "rate(4 hours), the shortest AWS allows",
        "aws_secretsmanager_secret.s",
        rotated({"schedule_expression": "rate(4 hours)"}),
        SCHEDULES,
    ),
    Form(
        "AWS's cron example: every 7 days from the 1st, at 8:00",
        "aws_secretsmanager_secret.s",
        rotated({"schedule_expression": "cron(0 8 1/7 * ? *)"}),
        SCHEDULES,
    ),
    Form(
        "cron twice a month, on the 1st and the 15th",
        "aws_secretsmanager_secret.s",
        rotated({"schedule_expression": "cron(0 0 1,15 * ? *)"}),
    ),
    Form(
        "cron on the first and third Monday (21 days at most)",
        "aws_secretsmanager_secret.s",
        rotated({"schedule_expression": "cron(0 2 ? * MON#1,MON#3 *)"}),
    ),
]
