"""IAM-MAN-001 forms."""

from policies.fixtures import Form, doc

ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
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
]
PASS = [
    Form(
        "AWS's service-role policy for RDS enhanced monitoring",
        "aws_iam_role_policy_attachment.a",
        doc(
            {
                "aws_iam_role_policy_attachment": {
                    "a": {
                        "role": "r",
                        "policy_arn": "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole",
                    }
                }
            }
        ),
        "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Monitoring.OS.Enabling.html",
    ),
    Form(
        "a customer policy in the stack (judged on its own)",
        "aws_iam_role_policy_attachment.a",
        doc(
            {
                "aws_iam_role_policy_attachment": {"a": {"role": "r", "policy_arn": "${aws_iam_policy.mine.arn}"}},
                "aws_iam_policy": {"mine": {"policy": "{}"}},
            }
        ),
    ),
    Form(
        "ReadOnlyAccess job function",
        "aws_iam_role_policy_attachment.a",
        doc(
            {
                "aws_iam_role_policy_attachment": {
                    "a": {"role": "r", "policy_arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}
                }
            }
        ),
    ),
]
