"""The forms that must fail KMS-POL-001 and those that must pass it, AWS's documented form among them
(KMS keys have explicit least-privilege key policies)."""

from policies.fixtures import (
    ACCOUNT,
    CALLER,
    LITERAL_ACCOUNT,
    ROOT,
    Form,
    allow,
    as_json,
    as_jsonencode,
    declared,
    doc,
    document_source,
    policy,
)

DEFAULT = {"Sid": "Enable IAM User Permissions", **allow("kms:*", "*", Principal={"AWS": ROOT})}
S = "aws_kms_key.k"


def key(*statements, written=as_json):
    return doc({"aws_kms_key": {"k": {"enable_key_rotation": True, "policy": written(policy(*statements))}}}, CALLER)


def other_key(rtype, *statements):
    """A replica or external key (key material imported or copied) carries its key policy the same way."""
    return doc({rtype: {"k": {"policy": as_json(policy(*statements))}}}, CALLER)


# AWS's default key policy statement as the KMS Developer Guide writes it: the account id written literally
LITERAL_DEFAULT = {
    "Sid": "Enable IAM User Permissions",
    **allow("kms:*", "*", Principal={"AWS": f"arn:aws:iam::{LITERAL_ACCOUNT}:root"}),
}
# A service bound to one account, as the KMS Developer Guide's service statements bind it
BOUND_SERVICE = allow(
    ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*"],
    "*",
    Principal={"Service": "logs.eu-central-1.amazonaws.com"},
    Condition={"StringEquals": {"aws:SourceAccount": LITERAL_ACCOUNT}},
)
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
    Form("AWS's default key policy naming an account the stack does not declare", S, key(LITERAL_DEFAULT)),
    Form(
        "a service bound with aws:SourceAccount to an account the stack does not declare",
        S,
        key(DEFAULT, BOUND_SERVICE),
    ),
    Form(
        "replica key granting Decrypt to Principal *",
        "aws_kms_replica_key.k",
        other_key("aws_kms_replica_key", DEFAULT, allow("kms:Decrypt", "*", Principal="*")),
    ),
    Form(
        "external key granting kms:* to another account",
        "aws_kms_external_key.k",
        other_key(
            "aws_kms_external_key", DEFAULT, allow("kms:*", "*", Principal={"AWS": "arn:aws:iam::444455556666:root"})
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
        "replica key with AWS's default key policy",
        "aws_kms_replica_key.k",
        other_key("aws_kms_replica_key", DEFAULT),
        "https://docs.aws.amazon.com/kms/latest/developerguide/multi-region-keys-replicate.html",
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
    Form(
        "AWS's default key policy, the account written literally and declared (guard(app, accounts=[...]))",
        S,
        declared(key(LITERAL_DEFAULT), LITERAL_ACCOUNT),
        "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html",
    ),
    Form(
        "the literal account declared by the provider's allowed_account_ids",
        S,
        {
            **key(LITERAL_DEFAULT),
            "provider": {"aws": [{"region": "eu-central-1", "allowed_account_ids": [LITERAL_ACCOUNT]}]},
        },
    ),
    Form(
        "a service bound with aws:SourceAccount to a declared account",
        S,
        declared(key(LITERAL_DEFAULT, BOUND_SERVICE), LITERAL_ACCOUNT),
        "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-services.html",
    ),
]
