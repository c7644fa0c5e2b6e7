"""The forms that must fail IAM-LP-002 and those that must pass it, AWS's documented form among them
(Identity policies grant sensitive actions on named resources only)."""

from policies.fixtures import ACCOUNT, allow, identity

TLS = {"Bool": {"aws:SecureTransport": "true"}}
FAIL = [
    identity("s3:GetObject (Read of data) on *", "jsonencode", allow("s3:GetObject", "*")),
    identity(
        "s3:PutObject on every bucket's objects (arn:aws:s3:::*/*)",
        "document",
        allow("s3:PutObject", "arn:aws:s3:::*/*"),
    ),
    identity(
        "secret value on every secret in every region",
        "json",
        allow("secretsmanager:GetSecretValue", f"arn:aws:secretsmanager:*:{ACCOUNT}:secret:*"),
    ),
    identity("kms:Decrypt on arn:*", "inline", allow("kms:Decrypt", "arn:*")),
    identity(
        "a condition that narrows nothing (aws:SecureTransport)",
        "policy",
        allow("kinesis:PutRecord", "*", Condition=TLS),
    ),
    identity(
        "NotResource",
        "user",
        {"Effect": "Allow", "Action": "sqs:SendMessage", "NotResource": "arn:aws:sqs:eu-central-1:111122223333:q"},
    ),
    identity(
        "pattern expanding to Write on *",
        "group",
        allow("dynamodb:Put*", "*", Condition={"StringEquals": {"aws:RequestedRegion": "eu-central-1"}}),
    ),
    identity(
        "IfExists condition does not narrow",
        "json",
        allow("ec2:TerminateInstances", "*", Condition={"StringEqualsIfExists": {"aws:ResourceTag/team": "iot"}}),
    ),
]
PASS = [
    identity(
        "cloudwatch:PutMetricData on * with a namespace condition",
        "jsonencode",
        allow("cloudwatch:PutMetricData", "*", Condition={"StringEquals": {"cloudwatch:namespace": "Plant"}}),
        source="https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/iam-cw-condition-keys-namespace.html",
    ),
    identity(
        "X-Ray writes on * (no resource-level permission)",
        "document",
        allow(["xray:PutTraceSegments", "xray:PutTelemetryRecords"], "*"),
        source="https://docs.aws.amazon.com/xray/latest/devguide/security_iam_id-based-policy-examples.html",
    ),
    identity(
        "object-prefix wildcard inside one named bucket",
        "json",
        allow(["s3:GetObject", "s3:PutObject"], "arn:aws:s3:::one-bucket/curated/*"),
        source="https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-policies-s3.html",
    ),
    identity("ec2:DescribeSubnets on *", "inline", allow("ec2:DescribeSubnets", "*")),
    identity(
        "ABAC: Write on * narrowed by aws:ResourceTag",
        "policy",
        allow("ec2:StopInstances", "*", Condition={"StringEquals": {"aws:ResourceTag/team": "iot"}}),
        source="https://docs.aws.amazon.com/IAM/latest/UserGuide/introduction_attribute-based-access-control.html",
    ),
    identity(
        "Secrets Manager six-character suffix",
        "json",
        allow("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:eu-central-1:111122223333:secret:mes-??????"),
    ),
    identity(
        "a restrictive Deny on *",
        "document",
        allow("s3:GetObject", "arn:aws:s3:::lake/*"),
        {"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
    ),
]
