"""The forms that must fail IAM-LP-001 and those that must pass it, AWS's documented form among them
(Policies name their actions (no wildcard patterns, no NotAction))."""

from policies.fixtures import (
    ACCOUNT,
    CALLER,
    KEY_REF,
    LITERAL_ACCOUNT,
    ROOT,
    TLS_DENY_OVER_A_VARIABLE,
    Form,
    allow,
    as_json,
    doc,
    identity,
    policy,
)

B = "arn:aws:s3:::lake/*"
KMS_DEFAULT = "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html"


def key(statement, data=True, providers=None):
    d = doc(
        {"aws_kms_key": {"k": {"enable_key_rotation": True, "policy": as_json(policy(statement))}}},
        CALLER if data else None,
    )
    if providers:
        d["provider"]["aws"][0]["allowed_account_ids"] = providers
    return d


FAIL = [
    identity("service wildcard in a jsonencode token", "jsonencode", allow("s3:*", B)),
    identity("* in a policy document data source", "document", allow("*", B)),
    identity("iam:Pass* (a pattern that is PassRole)", "json", allow("iam:Pass*", "arn:aws:iam::111122223333:role/x")),
    identity("iam:*Policy in the middle", "policy", allow("iam:*Policy", "*")),
    identity("s3:Get* on one bucket (58 Read actions)", "inline", allow("s3:Get*", B)),
    identity("? pattern reaching PutBucketPolicy", "user", allow("s3:Put?ucketPolicy", "arn:aws:s3:::lake")),
    identity("NotAction allow", "group", {"Effect": "Allow", "NotAction": "s3:DeleteObject", "Resource": B}),
    identity("action the catalog does not know", "json", allow("s3:GetObjekt", B)),
    Form(
        "kms:* to a role in a key policy",
        "aws_kms_key.k",
        key(allow("kms:*", "*", Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:role/app"})),
    ),
    Form(
        "unreadable: actions from a variable",
        "aws_iam_role_policy.p",
        doc(
            {"aws_iam_role_policy": {"p": {"role": "r", "policy": "${data.aws_iam_policy_document.d.json}"}}},
            {"aws_iam_policy_document": {"d": {"statement": [{"actions": "${var.actions}", "resources": [B]}]}}},
        ),
    ),
]
PASS = [
    identity(
        "named actions on a bucket reference",
        "jsonencode",
        allow(["s3:GetObject", "s3:PutObject"], "${aws_s3_bucket.b.arn}/*"),
    ),
    Form(
        "AWS's default key policy: own account root, kms:*",
        "aws_kms_key.k",
        key({"Sid": "Enable IAM User Permissions", **allow("kms:*", "*", Principal={"AWS": ROOT})}),
        KMS_DEFAULT,
    ),
    Form(
        "default key policy with a literal account in allowed_account_ids",
        "aws_kms_key.k",
        key(
            allow("kms:*", "*", Principal={"AWS": "arn:aws:iam::111122223333:root"}),
            data=False,
            providers=["111122223333"],
        ),
        KMS_DEFAULT,
    ),
    Form(
        "AWS's key-user statement: kms:ReEncrypt*, kms:GenerateDataKey* to a role",
        "aws_kms_key.k",
        key(
            allow(
                ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
                "*",
                Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:role/app"},
            )
        ),
        KMS_DEFAULT,
    ),
    identity(
        "a restrictive Deny *",
        "document",
        allow("s3:GetObject", B),
        {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        source="https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_examples_aws_deny-requested-region.html",
    ),
    identity("kms actions on a key reference", "json", allow(["kms:Decrypt"], KEY_REF)),
    TLS_DENY_OVER_A_VARIABLE,
    Form(
        "kms:* to an account root written literally in a key policy (whose account it is, KMS-POL-001 asks)",
        "aws_kms_key.k",
        key(allow("kms:*", "*", Principal={"AWS": f"arn:aws:iam::{LITERAL_ACCOUNT}:root"})),
    ),
]
