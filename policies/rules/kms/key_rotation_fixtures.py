"""The forms that must fail KMS-ROT-001 and those that must pass it, AWS's documented form among them
(KMS keys rotate automatically)."""

from policies.fixtures import Form, doc

S = "aws_kms_key.x"


def key(**config):
    return doc({"aws_kms_key": {"x": config}})


FAIL = [
    Form("rotation not set", S, key()),
    Form("rotation off", S, key(enable_key_rotation=False)),
    Form("rotation as a string", S, key(enable_key_rotation="false")),
    Form("rotation from a variable", S, key(enable_key_rotation="${var.rotate}")),
    Form("symmetric key spec written out, rotation off", S, key(customer_master_key_spec="SYMMETRIC_DEFAULT")),
    Form(
        "key on an aliased provider, rotation off",
        S,
        doc({"aws_kms_key": {"x": {"provider": "aws.replica"}}}, aliases=("replica",)),
    ),
]
PASS = [
    Form(
        "rotation on",
        S,
        key(enable_key_rotation=True),
        "https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html",
    ),
    Form("rotation on with a period", S, key(enable_key_rotation=True, rotation_period_in_days=90)),
    Form(
        "rotation on, aliased provider",
        S,
        doc({"aws_kms_key": {"x": {"provider": "aws.replica", "enable_key_rotation": True}}}, aliases=("replica",)),
    ),
]
