"""The forms that must fail GLUE-ENC-001 and those that must pass it, AWS's documented form among them
(Glue security configurations encrypt S3, CloudWatch and job bookmarks)."""

from policies.fixtures import KEY, KEY_REF, Form, doc, merge

S = "aws_glue_security_configuration.sc"


def sc(s3="SSE-KMS", cw="SSE-KMS", bookmarks="CSE-KMS", key=KEY_REF):
    return doc(
        merge(
            {
                "aws_glue_security_configuration": {
                    "sc": {
                        "name": "sc",
                        "encryption_configuration": {
                            "s3_encryption": {"s3_encryption_mode": s3, "kms_key_arn": key},
                            "cloudwatch_encryption": {"cloudwatch_encryption_mode": cw, "kms_key_arn": key},
                            "job_bookmarks_encryption": {
                                "job_bookmarks_encryption_mode": bookmarks,
                                "kms_key_arn": key,
                            },
                        },
                    }
                }
            },
            KEY,
        )
    )


FAIL = [
    Form("bookmarks disabled", S, sc(bookmarks="DISABLED")),
    Form("S3 with SSE-S3", S, sc(s3="SSE-S3")),
    Form("CloudWatch disabled", S, sc(cw="DISABLED")),
    Form("AWS-managed key", S, sc(key="alias/aws/glue")),
    Form("key from a variable", S, sc(key="${var.key}")),
]
PASS = [
    Form(
        "all three modes on a CMK",
        S,
        sc(),
        "https://docs.aws.amazon.com/glue/latest/dg/encryption-security-configuration.html",
    ),
    Form(
        "key ARN literal", S, sc(key="arn:aws:kms:eu-central-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab")
    ),
    Form("team alias", S, sc(key="alias/team")),
]
