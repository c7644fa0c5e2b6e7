"""The forms that must fail IAM-ESC-001 and those that must pass it, AWS's documented form among them
(Identity policies grant no privilege-escalation path)."""

from policies.fixtures import allow, identity

FAIL = [
    identity("iam:CreatePolicyVersion on *", "jsonencode", allow("iam:CreatePolicyVersion", "*")),
    identity(
        "iam:PutRolePolicy + sts:AssumeRole on role/*",
        "document",
        allow(["iam:PutRolePolicy", "sts:AssumeRole"], "arn:aws:iam::111122223333:role/*"),
    ),
    identity(
        "PassRole + lambda:CreateFunction + InvokeFunction across statements",
        "json",
        allow("iam:PassRole", "*"),
        allow(["lambda:CreateFunction", "lambda:InvokeFunction"], "*"),
    ),
    identity("iam:Attach* pattern with sts:AssumeRole", "inline", allow(["iam:Attach*", "sts:AssumeRole"], "*")),
    identity(
        "iam:CreateAccessKey on every user", "policy", allow("iam:CreateAccessKey", "arn:aws:iam::111122223333:user/*")
    ),
    identity("glue:UpdateDevEndpoint on *", "user", allow("glue:UpdateDevEndpoint", "*")),
]
PASS = [
    identity(
        "PassRole on one role only (no compute action)",
        "jsonencode",
        allow("iam:PassRole", "arn:aws:iam::111122223333:role/glue-job"),
    ),
    identity(
        "PutRolePolicy on one named role",
        "document",
        allow(["iam:PutRolePolicy"], "arn:aws:iam::111122223333:role/deploy-target"),
    ),
    identity(
        "read-only IAM",
        "json",
        allow(["iam:GetRole", "iam:ListRoles"], "*"),
        source="https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_examples.html",
    ),
]
