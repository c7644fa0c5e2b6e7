"""The forms that must fail KMS-POL-001 and those that must pass it, AWS's documented form among them
(KMS keys have explicit least-privilege key policies)."""

from policies.fixtures import ACCOUNT, CALLER, ROOT, Form, allow, as_json, as_jsonencode, doc, document_source, policy

DEFAULT = {"Sid": "Enable IAM User Permissions", **allow("kms:*", "*", Principal={"AWS": ROOT})}
S = "aws_kms_key.k"


def key(*statements, written=as_json):
    return doc({"aws_kms_key": {"k": {"enable_key_rotation": True, "policy": written(policy(*statements))}}}, CALLER)


LOGS = allow(
    ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*"],
    "*",
    Principal={"Service": "logs.eu-central-1.amazonaws.com"},
)
FAIL = [
    Form("no key policy (the default)", S, doc({"aws_kms_key": {"k": {"enable_key_rotation": True}}})),
    Form("Principal * without a condition", S, key(DEFAULT, allow("kms:Decrypt", "*", Principal="*"))),
    Form(
        "kms:* to a role", S, key(DEFAULT, allow("kms:*", "*", Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:role/app"}))
    ),
    Form("service principal without a condition (jsonencode)", S, key(DEFAULT, LOGS, written=as_jsonencode)),
    Form(
        "NotPrincipal allow",
        S,
        key(DEFAULT, {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*", "NotPrincipal": {"AWS": ROOT}}),
    ),
    Form(
        "another account's root without a condition",
        S,
        key(DEFAULT, allow("kms:Decrypt", "*", Principal={"AWS": "arn:aws:iam::444455556666:root"})),
    ),
    Form(
        "key administration to a role (kms:PutKeyPolicy)",
        S,
        key(DEFAULT, allow("kms:PutKeyPolicy", "*", Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:role/app"})),
    ),
    Form(
        "separate aws_kms_key_policy with Principal *",
        "aws_kms_key_policy.p",
        doc(
            {
                "aws_kms_key": {"k": {}},
                "aws_kms_key_policy": {
                    "p": {
                        "key_id": "${aws_kms_key.k.id}",
                        "policy": as_json(policy(allow("kms:*", "*", Principal="*"))),
                    }
                },
            }
        ),
    ),
]
PASS = [
    Form(
        "AWS's default key policy",
        S,
        key(DEFAULT),
        "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html",
    ),
    Form(
        "service principal bound by an encryption context",
        S,
        key(
            DEFAULT,
            {
                **LOGS,
                "Condition": {
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:eu-central-1:{ACCOUNT}:log-group:*"
                    }
                },
            },
        ),
        "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html",
    ),
    Form(
        "key users in the account via kms:CallerAccount",
        S,
        key(
            DEFAULT,
            allow(
                ["kms:Decrypt", "kms:GenerateDataKey*"],
                "*",
                Principal={"AWS": "*"},
                Condition={
                    "StringEquals": {"kms:CallerAccount": ACCOUNT, "kms:ViaService": "s3.eu-central-1.amazonaws.com"}
                },
            ),
        ),
        "https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-via-service",
    ),
    Form(
        "data source policy with a named role",
        S,
        doc(
            {"aws_kms_key": {"k": {"policy": "${data.aws_iam_policy_document.d.json}"}}},
            {
                **CALLER,
                **document_source(
                    "d", DEFAULT, allow(["kms:Decrypt"], "*", Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:role/app"})
                ),
            },
        ),
    ),
]
