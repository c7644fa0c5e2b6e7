"""IAM-PUB-001 forms.

Grant locations without a policy document, each with the form AWS (or GitHub) documents as recommended:
- function URLs: "Control access to Lambda function URLs", https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html
  (AWS_IAM authenticates with SigV4; NONE is public);
- Lambda permissions to "*": AddPermission's SourceAccount / PrincipalOrgID,
  https://docs.aws.amazon.com/lambda/latest/dg/permissions-function-cross-account.html; layer permissions to an
  organization, https://docs.aws.amazon.com/lambda/latest/dg/permissions-layer-cross-account.html; EventBridge bus
  permissions to an organization, https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-bus-perms.html;
- the resource policies of the types read since provider 5.100's schema was listed in full (SES sending
  authorization, https://docs.aws.amazon.com/ses/latest/dg/sending-authorization-policy-examples.html; VPC Lattice
  auth policies, https://docs.aws.amazon.com/vpc-lattice/latest/ug/auth-policies.html);
- web-identity trusts: IAM User Guide, https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html
  and GitHub, https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/configuring-openid-connect-in-amazon-web-services
  (aud sts.amazonaws.com plus sub repo:octo-org/octo-repo:ref:refs/heads/main); Cognito,
  https://docs.aws.amazon.com/cognito/latest/developerguide/role-trust-and-permissions.html (aud = identity pool).
"""

from policies.fixtures import (
    ACCOUNT,
    CALLER,
    TLS_DENY_OVER_A_VARIABLE,
    Form,
    as_json,
    as_jsonencode,
    bucket,
    doc,
    document_source,
    merge,
    policy,
    trust,
)

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
GITHUB = "token.actions.githubusercontent.com"
GITHUB_ARN = f"arn:aws:iam::111122223333:oidc-provider/{GITHUB}"
URLS = "https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html"
OIDC = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html"
CROSS = "https://docs.aws.amazon.com/lambda/latest/dg/permissions-function-cross-account.html"


def function_url(**config):
    return doc({"aws_lambda_function_url": {"u": {"function_name": "f", **config}}})


def permission(**config):
    return doc(
        {"aws_lambda_permission": {"l": {"action": "lambda:InvokeFunction", "function_name": "f", **config}}}, CALLER
    )


def web_identity(provider=GITHUB_ARN, condition=None, extra=None):
    statement = {"Effect": "Allow", "Principal": {"Federated": provider}, "Action": "sts:AssumeRoleWithWebIdentity"}
    if condition is not None:
        statement["Condition"] = condition
    return doc({"aws_iam_role": {"r": {"assume_role_policy": as_json(policy(statement))}}, **(extra or {})}, CALLER)


GITHUB_PROVIDER = {
    "aws_iam_openid_connect_provider": {
        "gh": {"url": f"https://{GITHUB}", "client_id_list": ["sts.amazonaws.com"], "thumbprint_list": ["a" * 40]}
    }
}
AUD = {f"{GITHUB}:aud": "sts.amazonaws.com"}


def provider_document(condition):
    """A trust naming the aws_iam_openid_connect_provider resource, written as an aws_iam_policy_document."""
    statement = {
        "Effect": "Allow",
        "Principal": {"Federated": "${aws_iam_openid_connect_provider.gh.arn}"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": condition,
    }
    role = {"aws_iam_role": {"r": {"assume_role_policy": "${data.aws_iam_policy_document.t.json}"}}}
    return doc(merge(GITHUB_PROVIDER, role), merge(CALLER, document_source("t", statement)))


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
    Form(
        "function URL with authorization_type NONE",
        "aws_lambda_function_url.u",
        function_url(authorization_type="NONE"),
    ),
    Form(
        "function URL NONE behind CORS allow_origins *",
        "aws_lambda_function_url.u",
        function_url(authorization_type="NONE", cors=[{"allow_origins": ["*"], "allow_methods": ["GET"]}]),
    ),
    Form(
        "function URL on an alias, NONE",
        "aws_lambda_function_url.u",
        function_url(authorization_type="NONE", qualifier="live"),
    ),
    Form(
        "function URL authorization_type from a variable",
        "aws_lambda_function_url.u",
        function_url(authorization_type="${var.auth}"),
    ),
    Form(
        "Lambda permission InvokeFunctionUrl to * with auth NONE",
        "aws_lambda_permission.l",
        permission(action="lambda:InvokeFunctionUrl", principal="*", function_url_auth_type="NONE"),
    ),
    Form(
        "Lambda permission to * with a wildcard source_arn",
        "aws_lambda_permission.l",
        permission(principal="*", source_arn="arn:aws:s3:::*"),
    ),
    Form("Lambda permission principal from a variable", "aws_lambda_permission.l", permission(principal="${var.who}")),
    Form("GitHub OIDC trust with no condition", "aws_iam_role.r", web_identity()),
    Form("GitHub OIDC trust with aud only", "aws_iam_role.r", web_identity(condition={"StringEquals": AUD})),
    Form(
        "GitHub OIDC trust with sub repo:*",
        "aws_iam_role.r",
        web_identity(condition={"StringEquals": AUD, "StringLike": {f"{GITHUB}:sub": "repo:*"}}),
    ),
    Form(
        "GitHub OIDC trust with sub in StringLikeIfExists (absent claim passes)",
        "aws_iam_role.r",
        web_identity(condition={"StringLikeIfExists": {f"{GITHUB}:sub": "repo:octo-org/octo-repo:*"}}),
    ),
    Form(
        "provider resource referenced through an aws_iam_policy_document, sub tested with StringNotEquals",
        "aws_iam_role.r",
        provider_document({"StringNotEquals": {f"{GITHUB}:sub": "repo:octo-org/octo-repo:pull_request"}}),
    ),
    Form(
        "EKS OIDC provider without a sub condition",
        "aws_iam_role.r",
        web_identity(
            "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-central-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71",
            {
                "StringEquals": {
                    "oidc.eks.eu-central-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71:aud": "sts.amazonaws.com"
                }
            },
        ),
    ),
    Form(
        "Cognito identity trust without the identity pool (aud)",
        "aws_iam_role.r",
        web_identity(
            "cognito-identity.amazonaws.com",
            {"ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"}},
        ),
    ),
]

SEND = {
    "Effect": "Allow",
    "Action": ["ses:SendEmail", "ses:SendRawEmail"],
    "Resource": "arn:aws:ses:eu-central-1:111122223333:identity/example.com",
}
LATTICE = "https://docs.aws.amazon.com/vpc-lattice/latest/ug/auth-policies.html"
SES = "https://docs.aws.amazon.com/ses/latest/dg/sending-authorization-policy-examples.html"
LAYERS = "https://docs.aws.amazon.com/lambda/latest/dg/permissions-layer-cross-account.html"
BUS = "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-bus-perms.html"


def layer_permission(**config):
    base = {"layer_name": "shared", "version_number": 1, "statement_id": "s", "action": "lambda:GetLayerVersion"}
    return doc({"aws_lambda_layer_version_permission": {"l": {**base, **config}}})


def bus_permission(**config):
    return doc({"aws_cloudwatch_event_permission": {"e": {"statement_id": "s", **config}}})


FAIL += [
    Form(
        "SES identity policy letting anyone send as the domain",
        "aws_ses_identity_policy.s",
        doc(
            {
                "aws_ses_identity_policy": {
                    "s": {"identity": "example.com", "name": "p", "policy": as_json(policy({**SEND, "Principal": "*"}))}
                }
            }
        ),
    ),
    Form(
        "SES v2 email identity policy with NotPrincipal (jsonencode)",
        "aws_sesv2_email_identity_policy.s",
        doc(
            {
                "aws_sesv2_email_identity_policy": {
                    "s": {
                        "email_identity": "example.com",
                        "policy_name": "p",
                        "policy": as_jsonencode(
                            policy({**SEND, "NotPrincipal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}})
                        ),
                    }
                }
            },
            CALLER,
        ),
    ),
    Form(
        "S3 Tables bucket policy to AWS * through an aws_iam_policy_document",
        "aws_s3tables_table_bucket_policy.t",
        doc(
            {
                "aws_s3tables_table_bucket_policy": {
                    "t": {
                        "table_bucket_arn": "arn:aws:s3tables:eu-central-1:111122223333:bucket/b",
                        "resource_policy": "${data.aws_iam_policy_document.d.json}",
                    }
                }
            },
            document_source(
                "d",
                {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": ["s3tables:GetTableData"], "Resource": ["*"]},
            ),
        ),
    ),
    Form(
        "multi-region access point policy (in its details block) to *",
        "aws_s3control_multi_region_access_point_policy.m",
        doc(
            {
                "aws_s3control_multi_region_access_point_policy": {
                    "m": {"details": [{"name": "mrap", "policy": as_json(policy({**GET, "Principal": "*"}))}]}
                }
            }
        ),
    ),
    Form(
        "OpenSearch domain access_policies inline on the domain, open to AWS *",
        "aws_opensearch_domain.o",
        doc(
            {
                "aws_opensearch_domain": {
                    "o": {
                        "domain_name": "logs",
                        "access_policies": as_json(
                            policy(
                                {
                                    "Effect": "Allow",
                                    "Principal": {"AWS": "*"},
                                    "Action": "es:ESHttpGet",
                                    "Resource": "arn:aws:es:eu-central-1:111122223333:domain/logs/*",
                                }
                            )
                        ),
                    }
                }
            }
        ),
    ),
    Form(
        "replica KMS key whose policy lets anyone decrypt",
        "aws_kms_replica_key.r",
        doc(
            {
                "aws_kms_replica_key": {
                    "r": {
                        "primary_key_arn": "arn:aws:kms:eu-west-1:111122223333:key/mrk-1",
                        "policy": as_json(
                            policy({"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"})
                        ),
                    }
                }
            }
        ),
    ),
    Form(
        "Lambda permission lambda:* to a service, bound to its source",
        "aws_lambda_permission.l",
        permission(
            action="lambda:*",
            principal="events.amazonaws.com",
            source_arn="arn:aws:events:eu-central-1:111122223333:rule/r",
            source_account=ACCOUNT,
        ),
    ),
    Form(
        "Lambda permission * to another account",
        "aws_lambda_permission.l",
        permission(action="*", principal="444455556666"),
    ),
    Form(
        "Lambda permission with the action from a variable",
        "aws_lambda_permission.l",
        permission(action="${var.action}", principal="events.amazonaws.com", source_account=ACCOUNT),
    ),
    Form(
        "Lambda layer permission to * without organization_id",
        "aws_lambda_layer_version_permission.l",
        layer_permission(principal="*"),
    ),
    Form(
        "EventBridge bus permission to * without a condition",
        "aws_cloudwatch_event_permission.e",
        bus_permission(principal="*"),
    ),
    Form(
        "EventBridge bus permission to * with the organization from a variable",
        "aws_cloudwatch_event_permission.e",
        bus_permission(
            principal="*", condition=[{"key": "aws:PrincipalOrgID", "type": "StringEquals", "value": "${var.org}"}]
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
    Form(
        "function URL with AWS_IAM (SigV4)",
        "aws_lambda_function_url.u",
        function_url(authorization_type="AWS_IAM"),
        URLS,
    ),
    Form(
        "function URL with AWS_IAM, CORS and an alias",
        "aws_lambda_function_url.u",
        function_url(authorization_type="AWS_IAM", qualifier="live", cors=[{"allow_origins": ["https://example.com"]}]),
        URLS,
    ),
    Form(
        "Lambda permission to * within one organization (principal_org_id)",
        "aws_lambda_permission.l",
        permission(principal="*", principal_org_id="o-a1b2c3d4e5"),
        CROSS,
    ),
    Form(
        "Lambda permission to * confined to this account (source_account)",
        "aws_lambda_permission.l",
        permission(principal="*", source_account=ACCOUNT),
        CROSS,
    ),
    Form(
        "GitHub's documented trust: aud sts.amazonaws.com and sub of one repository branch",
        "aws_iam_role.r",
        web_identity(
            condition={"StringEquals": {**AUD, f"{GITHUB}:sub": "repo:octo-org/octo-repo:ref:refs/heads/main"}}
        ),
        OIDC,
    ),
    Form(
        "provider resource in an aws_iam_policy_document, sub StringLike one repository",
        "aws_iam_role.r",
        provider_document(
            {
                "StringEquals": AUD,
                "StringLike": {f"{GITHUB}:sub": "repo:octo-org/octo-repo:*"},
            }
        ),
        OIDC,
    ),
    Form(
        "Cognito identity trust bound to one identity pool (aud) and authenticated users",
        "aws_iam_role.r",
        web_identity(
            "cognito-identity.amazonaws.com",
            {
                "StringEquals": {
                    "cognito-identity.amazonaws.com:aud": "eu-central-1:12345678-abcd-abcd-abcd-123456789012"
                },
                "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"},
            },
        ),
        "https://docs.aws.amazon.com/cognito/latest/developerguide/role-trust-and-permissions.html",
    ),
    TLS_DENY_OVER_A_VARIABLE,
    Form(
        "SES sending authorization to one named account, as AWS's examples write it",
        "aws_ses_identity_policy.s",
        doc(
            {
                "aws_ses_identity_policy": {
                    "s": {
                        "identity": "example.com",
                        "name": "p",
                        "policy": as_json(
                            policy({**SEND, "Sid": "AuthorizeAccount", "Principal": {"AWS": ["111122223333"]}})
                        ),
                    }
                }
            }
        ),
        SES,
    ),
    Form(
        "VPC Lattice auth policy to * confined to the organization",
        "aws_vpclattice_auth_policy.a",
        doc(
            {
                "aws_vpclattice_auth_policy": {
                    "a": {
                        "resource_identifier": "arn:aws:vpc-lattice:eu-central-1:111122223333:service/svc-0123",
                        "policy": as_jsonencode(
                            policy(
                                {
                                    "Effect": "Allow",
                                    "Principal": "*",
                                    "Action": "vpc-lattice-svcs:Invoke",
                                    "Resource": "*",
                                    "Condition": {"StringEquals": {"aws:PrincipalOrgID": ["o-a1b2c3d4e5"]}},
                                }
                            )
                        ),
                    }
                }
            }
        ),
        LATTICE,
    ),
    Form(
        "Lambda layer permission to * within one organization",
        "aws_lambda_layer_version_permission.l",
        layer_permission(principal="*", organization_id="o-a1b2c3d4e5"),
        LAYERS,
    ),
    Form(
        "EventBridge bus permission to * with an aws:PrincipalOrgID condition",
        "aws_cloudwatch_event_permission.e",
        bus_permission(
            principal="*", condition=[{"key": "aws:PrincipalOrgID", "type": "StringEquals", "value": "o-a1b2c3d4e5"}]
        ),
        BUS,
    ),
    Form(
        "EventBridge bus permission to one account",
        "aws_cloudwatch_event_permission.e",
        bus_permission(principal="111122223333"),
    ),
]
