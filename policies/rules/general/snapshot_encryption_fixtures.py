"""The forms that must fail SNAP-ENC-001 and those that must pass it, AWS's documented forms among them (EC2 API
CopyImage and CopySnapshot: Encrypted with a KmsKeyId of your own key; RDS API CopyDBSnapshot: KmsKeyId)."""

from policies.fixtures import KEY, KEY_REF, Form, doc, merge

COPY_IMAGE = "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CopyImage.html"
COPY_SNAPSHOT = "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CopySnapshot.html"
COPY_DB_SNAPSHOT = "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CopyDBSnapshot.html"
SOURCE = {"source_region": "eu-west-1"}


def ami_copy(**config):
    return doc(
        merge(
            KEY,
            {
                "aws_ami_copy": {
                    "c": {"name": "copy", "source_ami_id": "ami-0123", "source_ami_region": "eu-west-1", **config}
                }
            },
        )
    )


def ebs_copy(**config):
    return doc(merge(KEY, {"aws_ebs_snapshot_copy": {"c": {"source_snapshot_id": "snap-0123", **SOURCE, **config}}}))


def db_copy(rtype="aws_db_snapshot_copy", **config):
    source = (
        "source_db_snapshot_identifier" if rtype == "aws_db_snapshot_copy" else "source_db_cluster_snapshot_identifier"
    )
    target = (
        "target_db_snapshot_identifier" if rtype == "aws_db_snapshot_copy" else "target_db_cluster_snapshot_identifier"
    )
    return doc(
        merge(KEY, {rtype: {"c": {source: "arn:aws:rds:eu-west-1:111122223333:snapshot:s", target: "copy", **config}}})
    )


def image(devices, extra=None):
    ami = {"name": "image", "virtualization_type": "hvm", "root_device_name": "/dev/xvda", "ebs_block_device": devices}
    return doc(merge(KEY, {"aws_ami": {"i": ami}}, extra or {}))


VOLUME = {
    "aws_ebs_volume": {"v": {"availability_zone": "eu-central-1a", "size": 8, "encrypted": True, "kms_key_id": KEY_REF}}
}
SNAPSHOT = {"aws_ebs_snapshot": {"s": {"volume_id": "${aws_ebs_volume.v.id}"}}}
ROOT = {"device_name": "/dev/xvda", "snapshot_id": "${aws_ebs_snapshot.s.id}", "volume_size": 8}

RDS_ENCRYPTION = "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.html"
CLUSTER = {"engine": "aurora-postgresql", "master_username": "app", "manage_master_user_password": True}


def cluster_snapshot(cluster=None, identifier="${aws_rds_cluster.c.id}"):
    snapshot = {"db_cluster_identifier": identifier, "db_cluster_snapshot_identifier": "snap"}
    parts = [KEY, {"aws_db_cluster_snapshot": {"s": snapshot}}]
    if cluster is not None:
        parts.append({"aws_rds_cluster": {"c": {**CLUSTER, **cluster}}})
    return doc(merge(*parts))


def instance_snapshot(**instance):
    database = {"engine": "postgres", "instance_class": "db.t4g.micro", "allocated_storage": 20, **instance}
    snapshot = {"db_instance_identifier": "${aws_db_instance.d.identifier}", "db_snapshot_identifier": "snap"}
    return doc(merge(KEY, {"aws_db_instance": {"d": database}, "aws_db_snapshot": {"s": snapshot}}))


FAIL = [
    Form("cluster snapshot of an unencrypted cluster", "aws_db_cluster_snapshot.s", cluster_snapshot({})),
    Form(
        "cluster snapshot of a cluster encrypted with the AWS-managed key",
        "aws_db_cluster_snapshot.s",
        cluster_snapshot({"storage_encrypted": True}),
    ),
    Form(
        "cluster snapshot of a cluster the stack does not show",
        "aws_db_cluster_snapshot.s",
        cluster_snapshot(None, identifier="prod-cluster"),
    ),
    Form("instance snapshot of an unencrypted database", "aws_db_snapshot.s", instance_snapshot()),
    Form("AMI copy without encryption", "aws_ami_copy.c", ami_copy()),
    Form("AMI copy encrypted with the AWS-managed key (no kms_key_id)", "aws_ami_copy.c", ami_copy(encrypted=True)),
    Form("AMI copy with a CMK but encrypted left out", "aws_ami_copy.c", ami_copy(kms_key_id=KEY_REF)),
    Form(
        "EBS snapshot copy encrypted with alias/aws/ebs",
        "aws_ebs_snapshot_copy.c",
        ebs_copy(encrypted=True, kms_key_id="alias/aws/ebs"),
    ),
    Form(
        "EBS snapshot copy, encrypted from a variable",
        "aws_ebs_snapshot_copy.c",
        ebs_copy(encrypted="${var.encrypt}", kms_key_id=KEY_REF),
    ),
    Form(
        "EBS snapshot import without a key",
        "aws_ebs_snapshot_import.c",
        doc(
            {
                "aws_ebs_snapshot_import": {
                    "c": {"encrypted": True, "disk_container": [{"format": "VHD", "url": "s3://b/disk.vhd"}]}
                }
            }
        ),
    ),
    Form("RDS snapshot copy without kms_key_id (the source's key, or none)", "aws_db_snapshot_copy.c", db_copy()),
    Form(
        "RDS cluster snapshot copy with a key from a variable",
        "aws_rds_cluster_snapshot_copy.c",
        db_copy("aws_rds_cluster_snapshot_copy", kms_key_id="${var.key}"),
    ),
    Form(
        "AMI with a blank device that is not encrypted",
        "aws_ami.i",
        image([{"device_name": "/dev/xvdb", "volume_size": 100}]),
    ),
    Form(
        "AMI from a snapshot of an unencrypted volume",
        "aws_ami.i",
        image([ROOT], {**SNAPSHOT, "aws_ebs_volume": {"v": {"availability_zone": "eu-central-1a", "size": 8}}}),
    ),
    Form(
        "AMI from a snapshot copy with the AWS-managed key",
        "aws_ami.i",
        image(
            [{**ROOT, "snapshot_id": "${aws_ebs_snapshot_copy.c.id}"}],
            {"aws_ebs_snapshot_copy": {"c": {"source_snapshot_id": "snap-0123", **SOURCE, "encrypted": True}}},
        ),
    ),
    Form(
        "AMI from a literal snapshot id (its encryption cannot be read)",
        "aws_ami.i",
        image([{**ROOT, "snapshot_id": "snap-0123456789abcdef0"}]),
    ),
]
PASS = [
    Form(
        "cluster snapshot of a cluster encrypted with a CMK",
        "aws_db_cluster_snapshot.s",
        cluster_snapshot({"storage_encrypted": True, "kms_key_id": KEY_REF}),
        RDS_ENCRYPTION,
    ),
    Form(
        "instance snapshot of a database encrypted with a CMK",
        "aws_db_snapshot.s",
        instance_snapshot(storage_encrypted=True, kms_key_id=KEY_REF),
        RDS_ENCRYPTION,
    ),
    Form("AMI copy encrypted with a CMK", "aws_ami_copy.c", ami_copy(encrypted=True, kms_key_id=KEY_REF), COPY_IMAGE),
    Form(
        "EBS snapshot copy encrypted with a CMK",
        "aws_ebs_snapshot_copy.c",
        ebs_copy(encrypted=True, kms_key_id=KEY_REF),
        COPY_SNAPSHOT,
    ),
    Form("RDS snapshot copy with a CMK", "aws_db_snapshot_copy.c", db_copy(kms_key_id=KEY_REF), COPY_DB_SNAPSHOT),
    Form(
        "RDS cluster snapshot copy with a CMK key ARN",
        "aws_rds_cluster_snapshot_copy.c",
        db_copy(
            "aws_rds_cluster_snapshot_copy",
            kms_key_id="arn:aws:kms:eu-central-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        ),
    ),
    Form(
        "AMI from a snapshot of a CMK-encrypted volume, with an encrypted blank data device",
        "aws_ami.i",
        image([ROOT, {"device_name": "/dev/xvdb", "volume_size": 100, "encrypted": True}], {**SNAPSHOT, **VOLUME}),
        "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_EbsBlockDevice.html",
    ),
    Form(
        "AMI from an encrypted snapshot copy with a CMK",
        "aws_ami.i",
        image(
            [{**ROOT, "snapshot_id": "${aws_ebs_snapshot_copy.c.id}"}],
            {
                "aws_ebs_snapshot_copy": {
                    "c": {"source_snapshot_id": "snap-0123", **SOURCE, "encrypted": "true", "kms_key_id": KEY_REF}
                }
            },
        ),
    ),
]
