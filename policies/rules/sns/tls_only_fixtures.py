"""The forms that must fail SNS-TLS-001 and those that must pass it, AWS's documented form among them
(SNS topics accept only TLS)."""

from policies.fixtures import Form, as_json, as_jsonencode, doc, document_source, policy

DOC = "https://docs.aws.amazon.com/sns/latest/dg/sns-security-best-practices.html#enforce-encryption-data-in-transit"


def tls(**change):
    s = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "SNS:Publish",
        "Resource": "${aws_sns_topic.t.arn}",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    s.update(change)
    return s


def topic(statement=None, written=as_json, inline=False):
    resources = {"aws_sns_topic": {"t": {"name": "t"}}}
    if statement is not None and inline:
        resources["aws_sns_topic"]["t"]["policy"] = written(policy(statement))
    elif statement is not None:
        resources["aws_sns_topic_policy"] = {
            "p": {"arn": "${aws_sns_topic.t.arn}", "policy": written(policy(statement))}
        }
    return doc(resources)


S = "aws_sns_topic.t"
FAIL = [
    Form("no topic policy", S, topic()),
    Form("Deny of a harmless action", S, topic(tls(Action="sns:GetTopicAttributes"))),
    Form("Deny on one principal", S, topic(tls(Principal={"AWS": "arn:aws:iam::111122223333:role/x"}), as_jsonencode)),
    Form("Deny on another topic", S, topic(tls(Resource="arn:aws:sns:eu-central-1:111122223333:other"))),
    Form("Allow instead of Deny, inline", S, topic(tls(Effect="Allow"), inline=True)),
    Form("SecureTransport true", S, topic(tls(Condition={"Bool": {"aws:SecureTransport": "true"}}))),
]
PASS = [
    Form("AWS's recommended statement", S, topic(tls()), DOC),
    Form(
        "BoolIfExists with sns:* on *, inline",
        S,
        topic(
            tls(Action="sns:*", Resource="*", Condition={"BoolIfExists": {"aws:SecureTransport": "false"}}), inline=True
        ),
        DOC,
    ),
    Form(
        "literal topic ARN in jsonencode",
        S,
        topic(tls(Resource="arn:aws:sns:eu-central-1:111122223333:t"), as_jsonencode),
    ),
]
PASS.append(
    Form(
        "data source document",
        S,
        doc(
            {
                "aws_sns_topic": {"t": {"name": "t"}},
                "aws_sns_topic_policy": {
                    "p": {"arn": "${aws_sns_topic.t.arn}", "policy": "${data.aws_iam_policy_document.d.json}"}
                },
            },
            document_source("d", tls()),
        ),
    )
)
