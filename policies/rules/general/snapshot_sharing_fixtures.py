"""The forms that must fail SNAP-SHARE-001 and those that must pass it, AWS's documented forms among them (an AMI
shared with the organization; a DB snapshot kept private; a share with the stack's own, declared account)."""

from policies.fixtures import ACCOUNT, CALLER, Form, doc

ORGANIZATIONS = "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/share-amis-with-organizations-and-OUs.html"
RDS_SHARING = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ShareSnapshot.html"
OWN, OTHER = "111122223333", "444455556666"


def declared(document, *accounts):
    """The document with its AWS provider limited to these accounts (allowed_account_ids: the stack's own)."""
    document["provider"]["aws"][0]["allowed_account_ids"] = list(accounts)
    return document


def launch(**config):
    return doc({"aws_ami_launch_permission": {"p": {"image_id": "ami-0123456789abcdef0", **config}}}, CALLER)


def volume_permission(account):
    return doc(
        {"aws_snapshot_create_volume_permission": {"p": {"snapshot_id": "snap-0123", "account_id": account}}}, CALLER
    )


def rds(rtype, shared, **config):
    body = {"shared_accounts": shared, **config} if shared is not None else dict(config)
    return doc({rtype: {"s": body}}, CALLER)


FAIL = [
    Form('AMI launch permission to group "all" (public)', "aws_ami_launch_permission.p", launch(group="all")),
    Form(
        "AMI launch permission to an account the stack does not declare",
        "aws_ami_launch_permission.p",
        launch(account_id=OTHER),
    ),
    Form(
        "AMI launch permission with the account from a variable",
        "aws_ami_launch_permission.p",
        launch(account_id="${var.account}"),
    ),
    Form(
        "EBS snapshot volume permission to another account",
        "aws_snapshot_create_volume_permission.p",
        volume_permission(OTHER),
    ),
    Form(
        "EBS snapshot volume permission to another account, the stack's own declared",
        "aws_snapshot_create_volume_permission.p",
        declared(volume_permission(OTHER), OWN),
    ),
    Form(
        'DB snapshot shared_accounts ["all"] (public)',
        "aws_db_snapshot.s",
        rds("aws_db_snapshot", ["all"], db_instance_identifier="db", db_snapshot_identifier="s"),
    ),
    Form(
        "cluster snapshot shared with this account and everyone",
        "aws_db_cluster_snapshot.s",
        rds("aws_db_cluster_snapshot", [ACCOUNT, "all"], db_cluster_identifier="c", db_cluster_snapshot_identifier="s"),
    ),
    Form(
        "DB snapshot copy shared with another account",
        "aws_db_snapshot_copy.s",
        rds("aws_db_snapshot_copy", [OTHER], source_db_snapshot_identifier="s", target_db_snapshot_identifier="c"),
    ),
    Form(
        "cluster snapshot copy shared with accounts from a variable",
        "aws_rds_cluster_snapshot_copy.s",
        rds(
            "aws_rds_cluster_snapshot_copy",
            "${var.accounts}",
            source_db_cluster_snapshot_identifier="s",
            target_db_cluster_snapshot_identifier="c",
        ),
    ),
]
PASS = [
    Form(
        "AMI shared with the organization",
        "aws_ami_launch_permission.p",
        launch(organization_arn="arn:aws:organizations::111122223333:organization/o-a1b2c3d4e5"),
        ORGANIZATIONS,
    ),
    Form(
        "AMI shared with an organizational unit",
        "aws_ami_launch_permission.p",
        launch(organizational_unit_arn="arn:aws:organizations::111122223333:ou/o-a1b2c3d4e5/ou-ab12-cdef3456"),
        ORGANIZATIONS,
    ),
    Form(
        "DB snapshot kept private (no shared_accounts)",
        "aws_db_snapshot.s",
        rds("aws_db_snapshot", None, db_instance_identifier="db", db_snapshot_identifier="s"),
        RDS_SHARING,
    ),
    Form(
        "DB snapshot shared with the stack's own declared account",
        "aws_db_snapshot.s",
        declared(rds("aws_db_snapshot", [OWN], db_instance_identifier="db", db_snapshot_identifier="s"), OWN),
        RDS_SHARING,
    ),
    Form(
        "EBS snapshot volume permission to the caller's own account",
        "aws_snapshot_create_volume_permission.p",
        volume_permission(ACCOUNT),
    ),
]
