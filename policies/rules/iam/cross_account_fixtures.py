"""IAM-XACCT-001 forms, with the forms AWS documents as recommended:

- third-party trust with sts:ExternalId: IAM User Guide, "Access to AWS accounts owned by third parties"
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-user_externalid.html: Principal "Example
  Corp's AWS account ID", StringEquals sts:ExternalId "Unique ID Assigned by Example Corp");
- sharing within the organization: aws:PrincipalOrgID
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalorgid);
- Lambda permissions to services: "Granting function access to AWS services"
  (https://docs.aws.amazon.com/lambda/latest/dg/permissions-function-services.html: --source-arn, and for S3
  --source-account, since a bucket ARN names no account);
- KMS grants: "Creating grants" (https://docs.aws.amazon.com/kms/latest/developerguide/create-grant-overview.html:
  grantee keyUserRole, Decrypt, EncryptionContextSubset Department=IT) and "Best practices for AWS KMS grants"
  (EncryptionContextEquals whenever possible).
"""

from policies.fixtures import (
    ACCOUNT,
    CALLER,
    KEY,
    KEY_REF,
    LITERAL_ACCOUNT,
    ROOT,
    Form,
    as_json,
    bucket,
    declared,
    doc,
    document_source,
    merge,
    policy,
)

OTHER = "444455556666"
OTHER_ROOT = f"arn:aws:iam::{OTHER}:root"
OTHER_ROLE = f"arn:aws:iam::{OTHER}:role/reader"
OWN_ROLE = f"arn:aws:iam::{ACCOUNT}:role/keyUserRole"
EXTERNAL_ID = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-user_externalid.html"
ORG_ID = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalorgid"
SERVICES = "https://docs.aws.amazon.com/lambda/latest/dg/permissions-function-services.html"
GRANTS = "https://docs.aws.amazon.com/kms/latest/developerguide/create-grant-overview.html"
IN_ORG = {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}


def trusting(principal, condition=None):
    statement = {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    return doc({"aws_iam_role": {"r": {"assume_role_policy": as_json(policy(statement))}}}, CALLER)


def shared(rtype, action, principal, condition=None, **config):
    statement = {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": action, "Resource": "*"}
    if condition:
        statement["Condition"] = condition
    return doc({rtype: {"x": {**config, "policy": as_json(policy(statement))}}}, CALLER)


def permission(**config):
    return doc(
        {"aws_lambda_permission": {"l": {"action": "lambda:InvokeFunction", "function_name": "f", **config}}}, CALLER
    )


def grant(**config):
    body = {"name": "g", "key_id": KEY_REF, "grantee_principal": OWN_ROLE, "operations": ["Encrypt"], **config}
    return doc(merge(KEY, {"aws_kms_grant": {"g": body}}), CALLER)


EQUALS = [{"encryption_context_equals": {"Department": "IT"}}]
FAIL = [
    # role trust policies
    Form("trust to another account's root, no condition", "aws_iam_role.r", trusting(OTHER_ROOT)),
    Form("trust to a bare account id", "aws_iam_role.r", trusting(OTHER)),
    Form(
        "trust to another account's role, ExternalId StringLike *",
        "aws_iam_role.r",
        trusting(OTHER_ROLE, {"StringLike": {"sts:ExternalId": "*"}}),
    ),
    Form(
        "trust with ExternalId in StringEqualsIfExists (absent id passes)",
        "aws_iam_role.r",
        trusting([OTHER_ROOT], {"StringEqualsIfExists": {"sts:ExternalId": "Unique ID Assigned by Example Corp"}}),
    ),
    Form(
        "trust through an aws_iam_policy_document, MFA only",
        "aws_iam_role.r",
        doc(
            {"aws_iam_role": {"r": {"assume_role_policy": "${data.aws_iam_policy_document.t.json}"}}},
            merge(
                CALLER,
                document_source(
                    "t",
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": [OTHER_ROOT]},
                        "Action": "sts:AssumeRole",
                        "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
                    },
                ),
            ),
        ),
    ),
    # resource policies
    Form(
        "bucket policy to another account",
        "aws_s3_bucket_policy.x",
        doc(
            merge(
                bucket(),
                {
                    "aws_s3_bucket_policy": {
                        "x": {
                            "bucket": "${aws_s3_bucket.b.id}",
                            "policy": as_json(
                                policy(
                                    {
                                        "Effect": "Allow",
                                        "Principal": {"AWS": OTHER_ROLE},
                                        "Action": "s3:GetObject",
                                        "Resource": "arn:aws:s3:::fixture-b/*",
                                    }
                                )
                            ),
                        }
                    }
                },
            ),
            CALLER,
        ),
    ),
    Form(
        "SNS topic policy inline, another account",
        "aws_sns_topic.x",
        shared("aws_sns_topic", "sns:Publish", OTHER, name="t"),
    ),
    Form(
        "SQS queue policy resource, another account with SecureTransport only",
        "aws_sqs_queue_policy.x",
        shared(
            "aws_sqs_queue_policy",
            "sqs:SendMessage",
            OTHER_ROOT,
            {"Bool": {"aws:SecureTransport": "true"}},
            queue_url="https://sqs.eu-central-1.amazonaws.com/111122223333/q",
        ),
    ),
    Form(
        "Secrets Manager secret policy, own and another account",
        "aws_secretsmanager_secret_policy.x",
        shared("aws_secretsmanager_secret_policy", "secretsmanager:GetSecretValue", [ROOT, OTHER_ROOT], secret_arn="s"),
    ),
    Form(
        "ECR repository policy, org condition with a wildcard",
        "aws_ecr_repository_policy.x",
        shared(
            "aws_ecr_repository_policy",
            "ecr:BatchGetImage",
            OTHER_ROOT,
            {"StringLike": {"aws:PrincipalOrgID": "*"}},
            repository="r",
        ),
    ),
    # Lambda permissions to services and accounts
    Form("S3 may invoke, no source", "aws_lambda_permission.l", permission(principal="s3.amazonaws.com")),
    Form(
        "S3 may invoke with source_arn only (a bucket ARN names no account)",
        "aws_lambda_permission.l",
        permission(principal="s3.amazonaws.com", source_arn="arn:aws:s3:::fixture-b"),
    ),
    Form(
        "EventBridge may invoke from any account's rule",
        "aws_lambda_permission.l",
        permission(principal="events.amazonaws.com", source_arn="arn:aws:events:eu-central-1:*:rule/*"),
    ),
    Form(
        "SNS may invoke, source_account from a variable",
        "aws_lambda_permission.l",
        permission(principal="sns.amazonaws.com", source_account="${var.account}"),
    ),
    Form("another account may invoke", "aws_lambda_permission.l", permission(principal=OTHER)),
    # KMS grants
    Form(
        "KMS grant to another account's role",
        "aws_kms_grant.g",
        grant(grantee_principal=OTHER_ROLE, constraints=EQUALS),
    ),
    Form(
        "KMS grant retirable by another account",
        "aws_kms_grant.g",
        grant(retiring_principal=OTHER_ROOT, operations=["Encrypt", "GenerateDataKey"]),
    ),
    Form("KMS grant with Decrypt and no constraint", "aws_kms_grant.g", grant(operations=["Decrypt", "DescribeKey"])),
    Form(
        "KMS grant re-delegating with CreateGrant, no constraint",
        "aws_kms_grant.g",
        grant(operations=["Encrypt", "CreateGrant", "ReEncryptFrom"]),
    ),
    Form("KMS grant to a grantee from a variable", "aws_kms_grant.g", grant(grantee_principal="${var.grantee}")),
    Form(
        "a queue shared with the root of an account the stack does not declare (its own, or another?)",
        "aws_sqs_queue.x",
        shared("aws_sqs_queue", "sqs:SendMessage", f"arn:aws:iam::{LITERAL_ACCOUNT}:root", name="q"),
    ),
]
PASS = [
    Form(
        "AWS's third-party trust: account id and sts:ExternalId",
        "aws_iam_role.r",
        trusting(OTHER, {"StringEquals": {"sts:ExternalId": "Unique ID Assigned by Example Corp"}}),
        EXTERNAL_ID,
    ),
    Form("trust to this account's root", "aws_iam_role.r", trusting(ROOT)),
    Form(
        "SQS queue shared within the organization (aws:PrincipalOrgID)",
        "aws_sqs_queue_policy.x",
        shared("aws_sqs_queue_policy", "sqs:SendMessage", OTHER_ROOT, IN_ORG, queue_url="q"),
        ORG_ID,
    ),
    Form(
        "secret policy for this account's role",
        "aws_secretsmanager_secret_policy.x",
        shared("aws_secretsmanager_secret_policy", "secretsmanager:GetSecretValue", OWN_ROLE, secret_arn="s"),
    ),
    Form(
        "S3 may invoke from one bucket of this account (source_arn and source_account)",
        "aws_lambda_permission.l",
        permission(principal="s3.amazonaws.com", source_arn="arn:aws:s3:::fixture-b", source_account=ACCOUNT),
        SERVICES,
    ),
    Form(
        "EventBridge may invoke from one rule (source_arn names the account)",
        "aws_lambda_permission.l",
        permission(principal="events.amazonaws.com", source_arn="arn:aws:events:eu-central-1:111122223333:rule/keeper"),
        SERVICES,
    ),
    Form(
        "another account within the organization (principal_org_id)",
        "aws_lambda_permission.l",
        permission(principal=OTHER, principal_org_id="o-a1b2c3d4e5"),
    ),
    Form(
        "AWS's grant example: own role, Decrypt, encryption-context constraint",
        "aws_kms_grant.g",
        grant(
            operations=["Decrypt"],
            retiring_principal=f"arn:aws:iam::{ACCOUNT}:role/adminRole",
            constraints=[{"encryption_context_subset": {"Department": "IT"}}],
        ),
        GRANTS,
    ),
    Form(
        "own role, Encrypt and GenerateDataKey only",
        "aws_kms_grant.g",
        grant(operations=["Encrypt", "GenerateDataKey"]),
        "https://docs.aws.amazon.com/kms/latest/developerguide/grant-best-practices.html",
    ),
    Form(
        "a queue shared with its own account's root, the account written literally and declared",
        "aws_sqs_queue.x",
        declared(
            shared("aws_sqs_queue", "sqs:SendMessage", f"arn:aws:iam::{LITERAL_ACCOUNT}:root", name="q"),
            LITERAL_ACCOUNT,
        ),
    ),
]
