"""The forms that must fail S3-TLS-001 and those that must pass it, AWS's documented form among them
(S3 bucket policies deny requests that do not use TLS)."""

from policies.fixtures import (
    CALLER,
    Form,
    as_json,
    as_jsonencode,
    bucket,
    doc,
    document_source,
    iterated_bucket,
    merge,
    policy,
)

ARNS = ["${aws_s3_bucket.b.arn}", "${aws_s3_bucket.b.arn}/*"]
DOC = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html#transit"


def tls(**change):
    s = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": ARNS,
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    s.update(change)
    return s


def with_policy(statement, written=as_json):
    return doc(bucket(policy={"policy": written(policy(statement))}))


S = "aws_s3_bucket.b"
FAIL = [
    Form("no bucket policy", S, doc(bucket())),
    Form("Deny on one role only", S, with_policy(tls(Principal={"AWS": "arn:aws:iam::111122223333:role/x"}))),
    Form("Deny on the bucket ARN alone", S, with_policy(tls(Resource="${aws_s3_bucket.b.arn}"))),
    Form("Deny of one harmless action", S, with_policy(tls(Action="s3:GetBucketLocation"), as_jsonencode)),
    Form(
        "Deny narrowed by a second condition",
        S,
        with_policy(
            tls(
                Condition={
                    "Bool": {"aws:SecureTransport": "false"},
                    "StringEquals": {"aws:PrincipalAccount": "111122223333"},
                }
            )
        ),
    ),
    Form(
        "Deny when SecureTransport is true (inverted)",
        S,
        with_policy(tls(Condition={"Bool": {"aws:SecureTransport": "true"}})),
    ),
    Form("an Allow, not a Deny", S, with_policy(tls(Effect="Allow"))),
    Form("policy from a variable", S, doc(bucket(policy={"policy": "${var.policy}"}))),
]
PASS = [
    Form("AWS's recommended statement (JSON string)", S, with_policy(tls()), DOC),
    Form(
        "BoolIfExists, lower-case key, in a data source",
        S,
        doc(
            bucket(policy={"policy": "${data.aws_iam_policy_document.d.json}"}),
            {**CALLER, **document_source("d", tls(Condition={"BoolIfExists": {"aws:securetransport": "false"}}))},
        ),
        DOC,
    ),
    Form("Resource * and Action * in jsonencode", S, with_policy(tls(Resource="*", Action="*"), as_jsonencode)),
    Form(
        "literal ARNs with a partition token",
        S,
        with_policy(
            tls(
                Resource=[
                    "arn:${data.aws_partition.p.partition}:s3:::fixture-b",
                    "arn:${data.aws_partition.p.partition}:s3:::fixture-b/*",
                ]
            )
        ),
    ),
    Form(
        "policy iterated over the buckets, its Deny on each.value.arn (jsonencode)",
        S,
        doc(
            iterated_bucket(
                policy={"policy": as_jsonencode(policy(tls(Resource=["${BUCKET_ARN}", "${BUCKET_ARN}/*"])))}
            )
        ),
    ),
    Form(
        "counted buckets, the Deny on [count.index] references",
        S,
        doc(
            iterated_bucket(
                how="count", policy={"policy": as_json(policy(tls(Resource=["${BUCKET_ARN}", "${BUCKET_ARN}/*"])))}
            )
        ),
    ),
    Form(
        'one policy naming an instance: [0] and ["raw"]',
        S,
        doc(
            merge(
                iterated_bucket(),
                {
                    "aws_s3_bucket_policy": {
                        "p": {
                            "bucket": '${aws_s3_bucket.b["raw"].id}',
                            "policy": as_json(
                                policy(tls(Resource=['${aws_s3_bucket.b["raw"].arn}', "${aws_s3_bucket.b[0].arn}/*"]))
                            ),
                        }
                    }
                },
            )
        ),
    ),
]
