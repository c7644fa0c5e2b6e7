"""IAM-PUB-001 forms."""

from policies.fixtures import ACCOUNT, CALLER, Form, as_json, as_jsonencode, bucket, doc, policy, trust

OBJ = "arn:aws:s3:::fixture-b/*"


def bucket_policy(statement, written=as_json):
    return doc(
        {
            **bucket(),
            "aws_s3_bucket_policy": {"p": {"bucket": "${aws_s3_bucket.b.id}", "policy": written(policy(statement))}},
        },
        CALLER,
    )


def role(document):
    return doc({"aws_iam_role": {"r": {"assume_role_policy": as_json(document)}}}, CALLER)


GET = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": OBJ}
FAIL = [
    Form(
        "trust policy open to AWS *",
        "aws_iam_role.r",
        role(policy({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"})),
    ),
    Form(
        "bucket policy Principal * (jsonencode)",
        "aws_s3_bucket_policy.p",
        bucket_policy({**GET, "Principal": "*"}, as_jsonencode),
    ),
    Form(
        "NotPrincipal allow grants everyone else",
        "aws_s3_bucket_policy.p",
        bucket_policy({**GET, "NotPrincipal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}}),
    ),
    Form(
        "Principal * with a condition that narrows nothing",
        "aws_s3_bucket_policy.p",
        bucket_policy({**GET, "Principal": "*", "Condition": {"Bool": {"aws:SecureTransport": "true"}}}),
    ),
    Form(
        "SQS queue policy inline on the queue",
        "aws_sqs_queue.q",
        doc(
            {
                "aws_sqs_queue": {
                    "q": {
                        "name": "q",
                        "policy": as_json(
                            policy({"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": "*"})
                        ),
                    }
                }
            }
        ),
    ),
    Form(
        "Lambda permission to *",
        "aws_lambda_permission.l",
        doc(
            {
                "aws_lambda_permission": {
                    "l": {"action": "lambda:InvokeFunction", "function_name": "f", "principal": "*"}
                }
            }
        ),
    ),
    Form(
        "ECR repository policy (separate resource)",
        "aws_ecr_repository_policy.e",
        doc(
            {
                "aws_ecr_repository_policy": {
                    "e": {
                        "repository": "r",
                        "policy": as_json(
                            policy({"Effect": "Allow", "Principal": {"AWS": ["*"]}, "Action": "ecr:BatchGetImage"})
                        ),
                    }
                }
            }
        ),
    ),
]
PASS = [
    Form(
        "service trust bound with aws:SourceAccount",
        "aws_iam_role.r",
        role(trust("glue.amazonaws.com")),
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html",
    ),
    Form(
        "Principal * confined by aws:SourceArn",
        "aws_s3_bucket_policy.p",
        bucket_policy(
            {
                **GET,
                "Principal": "*",
                "Condition": {"ArnEquals": {"aws:SourceArn": "arn:aws:cloudfront::111122223333:distribution/E1"}},
            }
        ),
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html",
    ),
    Form(
        "a TLS Deny to *",
        "aws_s3_bucket_policy.p",
        bucket_policy(
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": OBJ,
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ),
    ),
    Form(
        "Lambda permission to a service with source_arn",
        "aws_lambda_permission.l",
        doc(
            {
                "aws_lambda_permission": {
                    "l": {
                        "action": "lambda:InvokeFunction",
                        "function_name": "f",
                        "principal": "secretsmanager.amazonaws.com",
                        "source_arn": "arn:aws:secretsmanager:eu-central-1:111122223333:secret:x",
                    }
                }
            }
        ),
    ),
]
