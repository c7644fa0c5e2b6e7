"""The synthesized platform stack, construct by construct, and the differences between profiles."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest

from anomaly.event_schema import event_schema, glue_columns
from tests.conftest import PROJECT

TAG_KEYS = {"Environment", "Project", "Owner", "CostCenter", "DataClassification"}


def test_provider_backend_and_tags(ephemeral):
    doc = ephemeral.document
    assert doc["terraform"]["required_providers"]["aws"]["version"] == "5.100.0"
    assert "local" in doc["terraform"]["backend"]
    provider = doc["provider"]["aws"][0]
    assert provider["region"] == "eu-central-1"
    assert set(provider["default_tags"][0]["tags"]) >= TAG_KEYS


def test_every_key_rotates_and_has_a_policy(ephemeral):
    keys = ephemeral.resources("aws_kms_key")
    assert len(keys) == 5
    for key in keys.values():
        assert key["enable_key_rotation"] is True and key["policy"] and key["deletion_window_in_days"] == 7


def test_stream_is_sized_and_encrypted(ephemeral):
    stream = ephemeral.one("aws_kinesis_stream", "line-1")
    assert stream["shard_count"] == 20 and stream["retention_period"] == 24
    assert stream["encryption_type"] == "KMS" and stream["kms_key_id"].startswith("${aws_kms_key.")


def test_buckets_have_every_protection(ephemeral):
    buckets = ephemeral.resources("aws_s3_bucket")
    assert len(buckets) == 7
    for rtype in (
        "public_access_block",
        "versioning",
        "policy",
        "lifecycle_configuration",
        "server_side_encryption_configuration",
        "ownership_controls",
    ):
        assert len(ephemeral.resources(f"aws_s3_bucket_{rtype}")) == 7, rtype
    assert len(ephemeral.resources("aws_s3_bucket_logging")) == 6  # all but the log bucket
    kms = [
        c
        for c in ephemeral.resources("aws_s3_bucket_server_side_encryption_configuration").values()
        if c["rule"][0]["apply_server_side_encryption_by_default"]["sse_algorithm"] == "aws:kms"
    ]
    assert len(kms) == 6 and all(c["rule"][0]["bucket_key_enabled"] for c in kms)


def test_iot_policy_topic_rule_and_domain(ephemeral):
    policy = json.loads(ephemeral.one("aws_iot_policy", "iot/device-policy")["policy"])
    resources = [s["Resource"] for s in policy["Statement"]]
    assert all("$${iot:Connection.Thing.ThingName}" in r for r in resources)
    rule = ephemeral.one("aws_iot_topic_rule", "line-1")
    assert rule["kinesis"][0]["partition_key"] == "$${topic(2)}"
    assert rule["error_action"]["s3"]["key"].startswith("iot-errors/")
    domain = ephemeral.one("aws_iot_domain_configuration", "iot/domain")
    assert domain["tls_config"]["security_policy"] == "IoTSecurityPolicy_TLS13_1_2_2022_10"


def test_glue_job_and_security_configuration(ephemeral):
    job = ephemeral.one("aws_glue_job", "processing")
    assert job["glue_version"] == "5.0" and job["command"]["name"] == "gluestreaming"
    assert job["security_configuration"] and job["connections"]
    assert job["default_arguments"]["--checkpoint_location"].startswith("s3://")
    script = ephemeral.one("aws_s3_object", "processing/job-script")
    assert script["server_side_encryption"] == "aws:kms" and script["source"].endswith(".py")
    modes = ephemeral.one("aws_glue_security_configuration", "processing")["encryption_configuration"]
    assert modes["job_bookmarks_encryption"]["job_bookmarks_encryption_mode"] == "CSE-KMS"


def test_catalog_columns_come_from_the_event_schema(ephemeral):
    table = ephemeral.one("aws_glue_catalog_table", "events-table")
    names = [c["name"] for c in table["storage_descriptor"]["columns"]]
    expected = [c for c, _, _ in glue_columns({"ingest_ts": "timestamp"}) if c != "production_line"]
    assert names == expected and set(event_schema()["required"]) - {"production_line"} <= set(names)


def test_lake_formation_grants_are_specific_and_ordered(ephemeral):
    grants = ephemeral.resources("aws_lakeformation_permissions")
    assert len(grants) == 8
    for grant in grants.values():
        assert "ALL" not in grant["permissions"] and grant["depends_on"]
    workgroup = ephemeral.one("aws_athena_workgroup", "lake/athena")
    assert workgroup["configuration"]["enforce_workgroup_configuration"] is True


def test_database(ephemeral, production):
    cluster = ephemeral.one("aws_rds_cluster", "database/cluster")
    assert cluster["manage_master_user_password"] is True and "master_password" not in cluster
    assert cluster["iam_database_authentication_enabled"] and cluster["storage_encrypted"]
    assert cluster["skip_final_snapshot"] is True and cluster["deletion_protection"] is False
    prod = production.one("aws_rds_cluster", "database/cluster")
    assert prod["deletion_protection"] is True and prod["skip_final_snapshot"] is False
    assert prod["backup_retention_period"] == 35 and prod["final_snapshot_identifier"]
    params = ephemeral.one("aws_rds_cluster_parameter_group", "database")["parameter"]
    assert {"name": "rds.force_ssl", "value": "1", "apply_method": "pending-reboot"} in params
    assert len(production.resources("aws_rds_cluster_instance")) == 2
    rotation = ephemeral.one("aws_secretsmanager_secret_rotation", "database")
    assert rotation["rotation_rules"]["automatically_after_days"] == 7


def test_existing_secret_is_fetched_and_rotated_never_created(ephemeral):
    assert "aws_secretsmanager_secret" not in ephemeral.document["resource"]
    assert "aws_secretsmanager_secret_version" not in ephemeral.document["resource"]
    data = ephemeral.document["data"]["aws_secretsmanager_secret"]
    assert [d["name"] for d in data.values()] == ["iotsp/ci-test/mes-api-key"]
    rotation = ephemeral.one("aws_secretsmanager_secret_rotation", "mes-api-key")
    assert rotation["rotation_lambda_arn"].startswith("${aws_lambda_function.")
    assert not re.search(r'"(master_)?password"\s*:', ephemeral.text)


def test_alarms_and_dashboard(ephemeral):
    alarms = {a["alarm_name"] for a in ephemeral.resources("aws_cloudwatch_metric_alarm").values()}
    for part in (
        "iterator-age",
        "write-throttles",
        "job-failed-tasks",
        "job-consumer-lag",
        "anomaly-rate",
        "db-cpu",
        "db-connections",
        "db-freeable-memory",
        "iot-rule-failures",
    ):
        assert any(part in name for name in alarms), part
    age = next(
        a for a in ephemeral.resources("aws_cloudwatch_metric_alarm").values() if "iterator-age" in a["alarm_name"]
    )
    assert age["threshold"] == 300_000
    assert len(ephemeral.resources("aws_cloudwatch_dashboard")) == 1
    for group in ephemeral.resources("aws_cloudwatch_log_group").values():
        assert group["kms_key_id"] and group["retention_in_days"] == 30


def test_production_keeps_data(production):
    for bucket in production.resources("aws_s3_bucket").values():
        assert bucket["force_destroy"] is False
    assert production.one("aws_kinesis_stream", "line-1")["retention_period"] == 168
    for key in production.resources("aws_kms_key").values():
        assert key["deletion_window_in_days"] == 30
    for group in production.resources("aws_cloudwatch_log_group").values():
        assert group["retention_in_days"] == 365


def test_no_retain_anywhere_in_ephemeral(ephemeral):
    assert "prevent_destroy" not in ephemeral.text
    for bucket in ephemeral.resources("aws_s3_bucket").values():
        assert bucket["force_destroy"] is True


def test_outputs_match_the_flat_outputs_schema(ephemeral):
    schema = json.loads((PROJECT / "infra" / "schemas" / "flat-outputs.schema.json").read_text())
    outputs = set(ephemeral.document["output"])
    assert outputs == set(schema["required"])
    sample = {name: "arn:aws:x:eu-central-1:1:y" for name in outputs}
    sample.update(
        environmentSuffix="ci-test",
        profile="ephemeral",
        streamShardCount="20",
        iotTopicRuleName="iotsp_telemetry_to_kinesis_ci_test",
        streamArn="arn:aws:kinesis:eu-central-1:1:stream/s",
    )
    jsonschema.validate(sample, schema)


def test_production_lines_multiply_the_line_resources(tmp_path_factory, ephemeral):
    from tests.conftest import synthesize

    three = synthesize(tmp_path_factory, "lines3", production_lines="3")
    assert len(three.resources("aws_kinesis_stream")) == 3 and len(three.resources("aws_glue_job")) == 3
    assert {"streamNameL2", "streamNameL3"} <= set(three.document["output"])


def _terraform_env():
    mirror = os.environ.get("TF_PROVIDER_MIRROR", "")
    if not shutil.which("terraform"):
        pytest.skip("terraform is not on PATH: cannot run terraform validate")
    if not mirror or not (Path(mirror) / "registry.terraform.io" / "hashicorp" / "aws" / "5.100.0").is_dir():
        pytest.skip("TF_PROVIDER_MIRROR does not point at a provider mirror holding hashicorp/aws 5.100.0")
    return mirror


@pytest.mark.terraform
def test_terraform_validate_offline(ephemeral, tmp_path):
    mirror = _terraform_env()
    rc = tmp_path / "terraformrc"
    rc.write_text(
        f'provider_installation {{\n  filesystem_mirror {{\n    path = "{mirror}"\n'
        '    include = ["registry.terraform.io/*/*"]\n  }\n}\n'
    )
    env = {**os.environ, "TF_CLI_CONFIG_FILE": str(rc), "TF_IN_AUTOMATION": "1"}
    stack_dir = ephemeral.path.parent
    init = subprocess.run(
        ["terraform", "init", "-backend=false", "-input=false", "-no-color"],
        cwd=stack_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert init.returncode == 0, init.stderr[-2000:]
    validate = subprocess.run(
        ["terraform", "validate", "-no-color"], cwd=stack_dir, env=env, capture_output=True, text=True, timeout=300
    )
    assert validate.returncode == 0, validate.stdout[-2000:] + validate.stderr[-2000:]


def test_detective_config_rules_follow_the_catalog(ephemeral, production):
    from infra.components.audit import config_rule_identifiers

    assert "aws_config_config_rule" not in ephemeral.document["resource"]
    rules = production.resources("aws_config_config_rule")
    assert sorted(r["source"]["source_identifier"] for r in rules.values()) == config_rule_identifiers()
    tags = next(r for r in rules.values() if r["source"]["source_identifier"] == "REQUIRED_TAGS")
    assert json.loads(tags["input_parameters"])["tag5Key"] == "DataClassification"
