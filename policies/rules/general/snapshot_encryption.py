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
Snapshots taken of a volume or a database (aws_ebs_snapshot, aws_db_snapshot, aws_db_cluster_snapshot) cannot choose
their encryption: it is their source's, judged there (RDS-ENC-001; Checkov's volume and instance checks).
"""

from policies.lookups import customer_managed_key
from policies.model import Rule, Violation, blocks_of, judged

EBS_COPIES = ("aws_ami_copy", "aws_ebs_snapshot_copy", "aws_ebs_snapshot_import")
RDS_COPIES = ("aws_db_snapshot_copy", "aws_rds_cluster_snapshot_copy")


def check(resource, view):
    if resource.type == "aws_ami":
        return judged(_image(resource, view), "every EBS device of the image is encrypted")
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
    resource_types=("aws_ami", *EBS_COPIES, *RDS_COPIES),
    check=check,
    fix="copies and imports: encrypted = true and kms_key_id = a CMK (aws_kms_key in the stack); AMIs: encrypted = "
    "true on blank devices, snapshots from an encrypted volume or copy on the others",
    covers=("CKV_AWS_204", "CKV_AWS_235", "CKV_AWS_236", "CKV_AWS_183", "CKV_AWS_266"),
)
