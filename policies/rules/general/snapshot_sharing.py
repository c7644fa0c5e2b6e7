"""SNAP-SHARE-001: AMIs and EBS and RDS snapshots are shared with no one but the stack's own accounts (and its
organization), never with everyone.

A share hands the other account a full copy of the disk or the database, with no condition AWS could attach to it:
- aws_ami_launch_permission: `group = "all"` makes the AMI public, `account_id` shares it with that account; sharing
  with an organization or OU (`organization_arn`, `organizational_unit_arn`) passes, AWS's way of sharing within a
  company (EC2 User Guide, https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/share-amis-with-organizations-and-OUs.html);
- aws_snapshot_create_volume_permission: `account_id` may create volumes from the snapshot (EBS User Guide,
  https://docs.aws.amazon.com/ebs/latest/userguide/ebs-modifying-snapshot-permissions.html);
- `shared_accounts` of aws_db_snapshot, aws_db_cluster_snapshot, aws_db_snapshot_copy, aws_rds_cluster_snapshot_copy:
  "Uses the value all to make the manual DB snapshot public, which means it can be copied or restored by all AWS
  accounts" (RDS API ModifyDBSnapshotAttribute,
  https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBSnapshotAttribute.html); an account id shares
  it with that account.
An account is the stack's own when policies.iam.principals.is_own_account says so (declared accounts,
data.aws_caller_identity); any other, or one only Terraform can evaluate, fails. Security Hub: EC2.1, RDS.1.
"""

from policies.iam.principals import is_own_account
from policies.model import Replacement, Rule, Unreadable, Violation, is_opaque, judged

RDS_SNAPSHOTS = ("aws_db_snapshot", "aws_db_cluster_snapshot", "aws_db_snapshot_copy", "aws_rds_cluster_snapshot_copy")
PUBLIC = "all"


def check(resource, view):
    if resource.type == "aws_ami_launch_permission":
        what, shares = f"image {resource.get('image_id')}", _launch_permission(resource)
    elif resource.type == "aws_snapshot_create_volume_permission":
        what, shares = f"snapshot {resource.get('snapshot_id')}", [("account_id", resource.get("account_id"))]
    else:
        what, shares = resource.address, [("shared_accounts", a) for a in resource.literal("shared_accounts") or ()]
    violations = []
    for field, account in shares:
        if is_opaque(account) or not isinstance(account, str):
            raise Unreadable(
                f"{field} is {account!r}, which only Terraform can evaluate: write the account ids in the stack, or "
                "suppress the rule on this construct with a reason"
            )
        if account.lower() == PUBLIC:
            violations.append(
                Violation(f"{field} {account!r} makes {what} public: every AWS account may copy it", (account,))
            )
        elif not is_own_account(account, view):
            violations.append(
                Violation(
                    f"{field} shares {what} with account {account}, which the stack does not declare as its own: "
                    "share within the organization, declare the account as the stack's own (docs/gate.md, Accounts), "
                    "or suppress with the sharing decision",
                    (account,),
                )
            )
    return judged(violations, "shared with no one outside the stack's own accounts")


def _launch_permission(permission):
    """(field, account or "all") the launch permission shares with; an organization or OU share is none of them."""
    for field in ("organization_arn", "organizational_unit_arn"):
        value = permission.get(field)
        if value not in (None, ""):
            if is_opaque(value):
                raise Unreadable(f"{field} is {value!r}, which only Terraform can evaluate: write the ARN in the stack")
            return []
    return [(f, permission.get(f)) for f in ("account_id", "group") if permission.get(f) not in (None, "")]


RULE = Rule(
    id="SNAP-SHARE-001",
    title="AMIs and snapshots are shared with no one outside the stack's own accounts",
    category="privilege",
    severity="critical",
    resource_types=("aws_ami_launch_permission", "aws_snapshot_create_volume_permission", *RDS_SNAPSHOTS),
    check=check,
    fix='never share with group/shared_accounts "all"; share AMIs with the organization (organization_arn) and '
    "snapshots only with the stack's own, declared accounts, or suppress with the sharing decision",
    covers=("CKV_AWS_302",),
    replaces=(
        Replacement(
            checks=("CKV_AWS_205",),
            types=("aws_ami_launch_permission",),
            reason="CKV_AWS_205 fails every launch permission, whatever it grants (a share with the stack's own "
            "account or organization included); SNAP-SHARE-001 reads whom the permission names",
        ),
    ),
)
