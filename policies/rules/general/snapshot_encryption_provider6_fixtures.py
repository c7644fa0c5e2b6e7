"""SNAP-ENC-001 in AWS provider 6 form: a copy made into another region by its own `region` argument (provider 5
needed a second, aliased provider for it), encrypted with a key of that region, and a database snapshot taken in
another region. The rule reads the same arguments in both majors."""

from policies.fixtures import Form, doc

REGIONS = "https://registry.terraform.io/providers/hashicorp/aws/latest/docs/guides/enhanced-region-support"
IRELAND = {"region": "eu-west-1"}
IRISH_KEY = {"aws_kms_key": {"k": {"enable_key_rotation": True, "deletion_window_in_days": 7, **IRELAND}}}
SNAPSHOT_ARN = "arn:aws:rds:eu-central-1:111122223333:snapshot:s"


def db_copy(**config):
    copy = {"source_db_snapshot_identifier": SNAPSHOT_ARN, "target_db_snapshot_identifier": "copy", **IRELAND}
    return doc({**IRISH_KEY, "aws_db_snapshot_copy": {"c": {**copy, **config}}})


def ebs_copy(**config):
    copy = {"source_snapshot_id": "snap-0123", "source_region": "eu-central-1", **IRELAND}
    return doc({**IRISH_KEY, "aws_ebs_snapshot_copy": {"c": {**copy, **config}}})


def instance_snapshot(**instance):
    database = {"engine": "postgres", "instance_class": "db.t4g.micro", "allocated_storage": 20, **IRELAND, **instance}
    snapshot = {"db_instance_identifier": "${aws_db_instance.d.identifier}", "db_snapshot_identifier": "snap"}
    return doc({**IRISH_KEY, "aws_db_instance": {"d": database}, "aws_db_snapshot": {"s": {**snapshot, **IRELAND}}})


FAIL = [
    Form("RDS snapshot copy into another region without kms_key_id", "aws_db_snapshot_copy.c", db_copy()),
    Form(
        "EBS snapshot copy into another region with the AWS-managed key",
        "aws_ebs_snapshot_copy.c",
        ebs_copy(encrypted=True),
    ),
    Form("snapshot in another region of an unencrypted database", "aws_db_snapshot.s", instance_snapshot()),
]
PASS = [
    Form(
        "RDS snapshot copy into another region with that region's CMK",
        "aws_db_snapshot_copy.c",
        db_copy(kms_key_id="${aws_kms_key.k.arn}"),
        REGIONS,
    ),
    Form(
        "EBS snapshot copy into another region with that region's CMK",
        "aws_ebs_snapshot_copy.c",
        ebs_copy(encrypted=True, kms_key_id="${aws_kms_key.k.arn}"),
    ),
    Form(
        "snapshot in another region of a database encrypted with a CMK",
        "aws_db_snapshot.s",
        instance_snapshot(storage_encrypted=True, kms_key_id="${aws_kms_key.k.arn}"),
    ),
]
