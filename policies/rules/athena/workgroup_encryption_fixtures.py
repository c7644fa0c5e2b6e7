"""The forms that must fail ATH-ENC-001 and those that must pass it, AWS's documented form among them
(Athena workgroups enforce KMS-encrypted results)."""

from policies.fixtures import KEY, KEY_REF, Form, doc, merge

S = "aws_athena_workgroup.wg"


def wg(option="SSE_KMS", key=KEY_REF, enforce=True):
    return doc(
        merge(
            {
                "aws_athena_workgroup": {
                    "wg": {
                        "name": "wg",
                        "configuration": {
                            "enforce_workgroup_configuration": enforce,
                            "result_configuration": {
                                "encryption_configuration": {"encryption_option": option, "kms_key_arn": key}
                            },
                        },
                    }
                }
            },
            KEY,
        )
    )


FAIL = [
    Form("SSE-S3 results", S, wg("SSE_S3")),
    Form("configuration not enforced", S, wg(enforce=False)),
    Form("no configuration", S, doc({"aws_athena_workgroup": {"wg": {"name": "wg"}}})),
    Form("AWS-managed key", S, wg(key="alias/aws/s3")),
    Form("key from a variable", S, wg(key="${var.key}")),
]
PASS = [
    Form(
        "enforced SSE-KMS on a CMK",
        S,
        wg(),
        "https://docs.aws.amazon.com/athena/latest/ug/encrypting-query-results-stored-in-s3.html",
    ),
    Form("CSE-KMS on a CMK", S, wg("CSE_KMS")),
    Form(
        "key ARN literal", S, wg(key="arn:aws:kms:eu-central-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab")
    ),
]
