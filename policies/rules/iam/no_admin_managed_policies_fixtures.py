"""The forms that must fail IAM-MAN-001 and those that must pass it, AWS's documented form among them
(Attached managed policies pass the least-privilege judgement)."""

from policies.fixtures import ACCOUNT, CALLER, Form, doc

ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
ATTACHMENT = "aws_iam_role_policy_attachment.a"


def attach(arn, extra=None, data=None):
    return doc({"aws_iam_role_policy_attachment": {"a": {"role": "r", "policy_arn": arn}}, **(extra or {})}, data)


def aws_managed(path):
    return f"arn:${{data.aws_partition.p.partition}}:iam::aws:policy/{path}"


FAIL = [
    Form(
        "role attachment of AdministratorAccess",
        "aws_iam_role_policy_attachment.a",
        doc({"aws_iam_role_policy_attachment": {"a": {"role": "r", "policy_arn": ADMIN}}}),
    ),
    Form(
        "PowerUserAccess through aws_iam_policy_attachment with a partition token",
        "aws_iam_policy_attachment.a",
        doc(
            {
                "aws_iam_policy_attachment": {
                    "a": {
                        "name": "a",
                        "roles": ["r"],
                        "policy_arn": "arn:${data.aws_partition.p.partition}:iam::aws:policy/PowerUserAccess",
                    }
                }
            }
        ),
    ),
    Form(
        "IAMFullAccess via a data source",
        "aws_iam_user_policy_attachment.a",
        doc(
            {"aws_iam_user_policy_attachment": {"a": {"user": "u", "policy_arn": "${data.aws_iam_policy.full.arn}"}}},
            {"aws_iam_policy": {"full": {"name": "IAMFullAccess"}}},
        ),
    ),
    Form(
        "AmazonS3FullAccess in managed_policy_arns",
        "aws_iam_role.r",
        doc(
            {
                "aws_iam_role": {
                    "r": {
                        "assume_role_policy": "{}",
                        "managed_policy_arns": ["arn:aws:iam::aws:policy/AmazonS3FullAccess"],
                    }
                }
            }
        ),
    ),
    Form(
        "exclusive group attachments",
        "aws_iam_group_policy_attachments_exclusive.g",
        doc({"aws_iam_group_policy_attachments_exclusive": {"g": {"group_name": "g", "policy_arns": [ADMIN]}}}),
    ),
    Form(
        "policy ARN from a variable",
        "aws_iam_role_policy_attachment.a",
        doc({"aws_iam_role_policy_attachment": {"a": {"role": "r", "policy_arn": "${var.policy_arn}"}}}),
    ),
    Form(
        "customer policy outside the stack",
        "aws_iam_role_policy_attachment.a",
        doc(
            {
                "aws_iam_role_policy_attachment": {
                    "a": {"role": "r", "policy_arn": "arn:aws:iam::111122223333:policy/ops"}
                }
            }
        ),
    ),
    Form(
        "SecretsManagerReadWrite (secretsmanager:* and Lambda/CloudFormation writes on *), judged by its document",
        ATTACHMENT,
        attach(aws_managed("SecretsManagerReadWrite")),
    ),
    Form(
        "AmazonEC2ContainerRegistryPowerUser (ecr:PutImage on every repository)",
        ATTACHMENT,
        attach("arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser"),
    ),
    Form(
        "ReadOnlyAccess job function (Read of every object, secret-free but data-wide)",
        ATTACHMENT,
        attach("arn:aws:iam::aws:policy/ReadOnlyAccess"),
    ),
    Form(
        "AWS's RDS monitoring policy: Write on RDS* log groups of every region and account",
        ATTACHMENT,
        attach(aws_managed("service-role/AmazonRDSEnhancedMonitoringRole")),
    ),
    Form(
        "an AWS managed policy the catalog does not hold (fails closed)",
        ATTACHMENT,
        attach("arn:aws:iam::aws:policy/AmazonIoTSensorMagicAccess"),
    ),
    Form(
        "a known name under the wrong path (service-role/ReadOnlyAccess does not exist)",
        ATTACHMENT,
        attach("arn:aws:iam::aws:policy/service-role/ReadOnlyAccess"),
    ),
    Form(
        "a customer ARN in this account naming no aws_iam_policy of the stack",
        ATTACHMENT,
        attach(
            f"arn:aws:iam::{ACCOUNT}:policy/ops", {"aws_iam_policy": {"mine": {"name": "mine", "policy": "{}"}}}, CALLER
        ),
    ),
]
PASS = [
    Form(
        "AWS's Fargate pod execution policy (ECR pulls, authorization token on *), judged by its document",
        ATTACHMENT,
        attach(aws_managed("AmazonEKSFargatePodExecutionRolePolicy")),
        "https://docs.aws.amazon.com/eks/latest/userguide/pod-execution-role.html",
    ),
    Form(
        "a customer policy in the stack (judged on its own)",
        ATTACHMENT,
        attach("${aws_iam_policy.mine.arn}", {"aws_iam_policy": {"mine": {"policy": "{}"}}}),
    ),
    Form(
        "the same customer policy by its ARN in this account",
        ATTACHMENT,
        attach(
            f"arn:aws:iam::{ACCOUNT}:policy/team/mine",
            {"aws_iam_policy": {"mine": {"name": "mine", "path": "/team/", "policy": "{}"}}},
            CALLER,
        ),
    ),
    Form(
        "AWSGlueSchemaRegistryReadonlyAccess in managed_policy_arns",
        "aws_iam_role.r",
        doc(
            {
                "aws_iam_role": {
                    "r": {
                        "assume_role_policy": "{}",
                        "managed_policy_arns": ["arn:aws:iam::aws:policy/AWSGlueSchemaRegistryReadonlyAccess"],
                    }
                }
            }
        ),
    ),
]
