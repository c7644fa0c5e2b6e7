"""The forms that must fail IAM-LP-003 and those that must pass it, AWS's documented form among them
(iam:PassRole is limited to named roles)."""

from policies.fixtures import allow, identity

ROLE = "arn:aws:iam::111122223333:role/glue-job"
FAIL = [
    identity("iam:PassRole on *", "jsonencode", allow("iam:PassRole", "*")),
    identity("iam:Pass* on role/*", "json", allow("iam:Pass*", "arn:aws:iam::111122223333:role/*")),
    identity("iam:* on any account's roles", "document", allow("iam:*", "arn:aws:iam::*:role/glue-job")),
    identity("* on *", "inline", allow("*", "*")),
    identity("NotAction that leaves PassRole in", "policy", {"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}),
    identity("PassRole with NotResource", "user", {"Effect": "Allow", "Action": "iam:PassRole", "NotResource": ROLE}),
]
PASS = [
    identity(
        "PassRole on one named role with iam:PassedToService",
        "jsonencode",
        allow("iam:PassRole", ROLE, Condition={"StringEquals": {"iam:PassedToService": "glue.amazonaws.com"}}),
        source="https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html",
    ),
    identity("PassRole on a role reference", "document", allow("iam:PassRole", "${aws_iam_role.job.arn}")),
    identity("no PassRole at all", "json", allow("s3:GetObject", "arn:aws:s3:::lake/*")),
    identity("a Deny of PassRole on *", "inline", {"Effect": "Deny", "Action": "iam:PassRole", "Resource": "*"}),
]
