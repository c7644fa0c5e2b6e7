"""SNAP-ENC-001: AMIs and the EBS and RDS snapshots a stack copies or imports are encrypted with a customer-managed
key.

- aws_ami_copy, aws_ebs_snapshot_copy, aws_ebs_snapshot_import: `encrypted = true` and `kms_key_id` a CMK. Without
  kms_key_id the copy takes the AWS-managed key aws/ebs ("The default KMS key for Amazon EBS is used unless you
  specify a non-default KMS key using KmsKeyId", EC2 API CopyImage,
  https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CopyImage.html; CopySnapshot,
  https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CopySnapshot.html), which no other account can use
  and the platform cannot revoke.
- aws_db_snapshot_copy, aws_rds_cluster_snapshot_copy: `kms_key_id` a CMK; without it the copy keeps the source's
  key, or none ("If you specify this parameter when you copy an unencrypted snapshot, the copy is encrypted", RDS API
  CopyDBSnapshot, https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CopyDBSnapshot.html).
- aws_ami: every EBS device is encrypted. A blank device needs `encrypted = true` (its key is the account's EBS
  default: the block has no kms_key_id); a device made from a snapshot has that snapshot's encryption ("You can't
  specify both a snapshot ID and an encryption value ... its encryption status is used", EC2 API EbsBlockDevice,
  https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_EbsBlockDevice.html), which the rule follows to the
  snapshot copy, or the snapshot's volume, in the stack. A snapshot the stack does not show fails closed.
- aws_db_snapshot, aws_db_cluster_snapshot: a snapshot taken of a database cannot choose its encryption, it has its
  source's ("you can't ... encrypt an existing snapshot ... A snapshot of an encrypted DB instance is encrypted with
  the same KMS key", https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.html), so the rule
  follows db_instance_identifier / db_cluster_identifier to the database in the stack: storage_encrypted = true
  with a CMK. A database the stack does not show fails closed. Checkov's CKV_AWS_146 reads storage_encrypted on
  the cluster snapshot itself, an attribute the provider computes and no stack can set, so it fails every cluster
  snapshot: this rule replaces it there.
Snapshots taken of a volume (aws_ebs_snapshot) are judged at the volume (Checkov's volume checks) and where an
image uses them.
"""

from policies.lookups import customer_managed_key
from policies.model import Replacement, Rule, Violation, blocks_of, judged

EBS_COPIES = ("aws_ami_copy", "aws_ebs_snapshot_copy", "aws_ebs_snapshot_import")
RDS_COPIES = ("aws_db_snapshot_copy", "aws_rds_cluster_snapshot_copy")
# snapshot type -> (the field naming its database, the database's type)
RDS_SNAPSHOTS = {
    "aws_db_snapshot": ("db_instance_identifier", "aws_db_instance"),
    "aws_db_cluster_snapshot": ("db_cluster_identifier", "aws_rds_cluster"),
}


def check(resource, view):
    if resource.type == "aws_ami":
        return judged(_image(resource, view), "every EBS device of the image is encrypted")
    if resource.type in RDS_SNAPSHOTS:
        return judged(_database_snapshot(resource, view), "a snapshot of a database encrypted with a CMK")
    return judged([Violation(why, (field,)) for field, why in _copy(resource, view)], "encrypted with a CMK")


def _copy(copy, view):
    """(field, why) for each way the copy is not encrypted with a customer-managed key."""
    found = []
    if copy.type in EBS_COPIES and copy.flag("encrypted") is not True:  # a token: fails closed, naming the field
        found.append(("encrypted", f"{copy.address} does not set encrypted = true"))
    is_cmk, why = customer_managed_key(copy.get("kms_key_id"), view)
    if not is_cmk:
        found.append(("kms_key_id", f"{copy.address} kms_key_id: {why}"))
    return found


def _database_snapshot(snapshot, view):
    field, database_type = RDS_SNAPSHOTS[snapshot.type]
    value = snapshot.get(field)
    database = view.resolve(value)
    if database is None or database.mode != "resource" or database.type != database_type:
        return [
            Violation(
                f"{field} {value!r} is not a {database_type} in this stack, so the snapshot's encryption (its "
                f"database's) cannot be read: reference the {database_type} (its id) or suppress the rule on this "
                "construct with a reason",
                (field,),
            )
        ]
    found = []
    if database.flag("storage_encrypted") is not True:
        found.append(
            Violation(f"{database.address} (the snapshot's database) does not set storage_encrypted", (field,))
        )
    is_cmk, why = customer_managed_key(database.get("kms_key_id"), view)
    if not is_cmk:
        found.append(Violation(f"{database.address} (the snapshot's database) kms_key_id: {why}", (field,)))
    return found


def _image(image, view):
    found = []
    for device in blocks_of(image.get("ebs_block_device")):
        name, snapshot = device.get("device_name", "(no device_name)"), device.get("snapshot_id")
        if snapshot in (None, ""):
            if image.flag("ebs_block_device.encrypted", device.get("encrypted")) is not True:
                found.append(Violation(f"ebs_block_device {name} is a blank volume without encrypted = true", (name,)))
            continue
        why = _snapshot(snapshot, view)
        if why:
            found.append(Violation(f"ebs_block_device {name} is made from {why}", (name, str(snapshot))))
    return found


def _snapshot(value, view):
    """Why the snapshot an image device is made from is not encrypted with a CMK, or ""."""
    source = view.resolve(value)
    if source is None or source.mode != "resource":
        return (
            f"snapshot {value!r}, which this stack does not show, so its encryption cannot be read: reference the "
            "aws_ebs_snapshot_copy (or the aws_ebs_snapshot of an encrypted aws_ebs_volume) in the stack, or "
            "suppress the rule on this construct with a reason"
        )
    if source.type in EBS_COPIES:
        return "; ".join(why for _, why in _copy(source, view))
    if source.type != "aws_ebs_snapshot":
        return f"{source.address}, which is not an EBS snapshot"
    volume = view.resolve(source.get("volume_id"))
    if volume is None or volume.type != "aws_ebs_volume":
        return f"{source.address}, whose volume this stack does not show (its encryption cannot be read)"
    if volume.flag("encrypted") is not True:
        return f"{source.address}, a snapshot of {volume.address}, which is not encrypted"
    is_cmk, why = customer_managed_key(volume.get("kms_key_id"), view)
    return "" if is_cmk else f"{source.address}, a snapshot of {volume.address}, whose kms_key_id: {why}"


RULE = Rule(
    id="SNAP-ENC-001",
    title="AMIs and snapshot copies are encrypted with a customer-managed key",
    category="encryption",
    severity="high",
    resource_types=("aws_ami", *EBS_COPIES, *RDS_COPIES, *RDS_SNAPSHOTS),
    check=check,
    fix="copies and imports: encrypted = true and kms_key_id = a CMK (aws_kms_key in the stack); AMIs: encrypted = "
    "true on blank devices, snapshots from an encrypted volume or copy on the others; database snapshots: "
    "storage_encrypted = true and kms_key_id = a CMK on their database",
    covers=("CKV_AWS_204", "CKV_AWS_235", "CKV_AWS_236", "CKV_AWS_183", "CKV_AWS_266"),
    replaces=(
        Replacement(
            checks=("CKV_AWS_146",),
            types=("aws_db_cluster_snapshot",),
            reason="CKV_AWS_146 reads storage_encrypted on the cluster snapshot, which the provider computes and no "
            "stack can set, so it fails every cluster snapshot; the snapshot has its cluster's encryption, which "
            "SNAP-ENC-001 reads",
        ),
    ),
)
