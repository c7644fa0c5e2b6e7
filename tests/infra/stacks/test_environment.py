"""The synthesized environment stack (infra/stacks/environment.py), component by component, and the differences
between profiles."""

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


def test_iot_policy_binds_line_and_thing_and_rules_take_them_from_the_topic(ephemeral):
    policy = json.loads(ephemeral.one("aws_iot_policy", "iot/device-policy")["policy"])
    publish = next(s for s in policy["Statement"] if s["Action"] == "iot:Publish")["Resource"]
    assert publish.endswith(
        "topic/factory/$${iot:Connection.Thing.Attributes[production_line]}/$${iot:Connection.Thing.ThingName}/telemetry"
    )
    rule = ephemeral.one("aws_iot_topic_rule", "line-1/rule")
    assert rule["kinesis"][0]["partition_key"] == "$${topic(3)}"  # per-device ordering
    assert "topic(2) AS production_line" in rule["sql"] and "FROM 'factory/line-1/+/telemetry'" in rule["sql"]
    quarantine = ephemeral.one("aws_iot_topic_rule", "line-1/quarantine-rule")
    where = rule["sql"].split(" WHERE ", 1)[1]
    assert quarantine["sql"].endswith(f"WHERE NOT ({where})")  # the exact complement
    assert quarantine["s3"][0]["key"].startswith("iot-rejected/")
    for r in (rule, quarantine):
        assert r["error_action"]["s3"]["key"].startswith("iot-errors/")
    assert "aws_iot_domain_configuration" not in ephemeral.document["resource"]
    assert ephemeral.document["output"]["iotEndpoint"]["value"].startswith("${nonsensitive(data.aws_ssm_parameter.")


def test_environment_owns_no_account_wide_state_and_reads_the_baseline(ephemeral):
    from policies.rules.general.account_singletons import ACCOUNT_LOG_GROUPS, ACCOUNT_WIDE

    assert ephemeral.document["//"]["guardrails"]["stack_kind"] == "environment"
    assert not set(ACCOUNT_WIDE) & set(ephemeral.document["resource"])
    names = {g["name"] for g in ephemeral.resources("aws_cloudwatch_log_group").values()}
    assert not names & set(ACCOUNT_LOG_GROUPS)
    settings = next(iter(ephemeral.document["data"]["aws_lakeformation_data_lake_settings"].values()))
    assert (
        "contains(self.admins, data.aws_iam_session_context." in settings["lifecycle"]["postcondition"][0]["condition"]
    )
    catalog = next(iter(ephemeral.document["data"]["aws_glue_data_catalog_encryption_settings"].values()))
    assert '"SSE-KMS"' in catalog["lifecycle"]["postcondition"][0]["condition"]
    for grant in ephemeral.resources("aws_lakeformation_permissions").values():
        assert grant["depends_on"] == [
            "data.aws_lakeformation_data_lake_settings.account-baseline_lake-settings_FF72940A"
        ]


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
    expected = [c for c, _, _ in glue_columns() if c != "production_line"]
    assert names == expected and set(event_schema()["required"]) - {"production_line"} <= set(names)


def test_lake_formation_grants_are_specific_and_ordered(ephemeral):
    grants = ephemeral.resources("aws_lakeformation_permissions")
    assert len(grants) == 10
    tables = sorted(g["table"]["name"].split(".")[1].split("_")[1] for g in grants.values() if g.get("table"))
    assert tables == sorted(["anomalies-table", "episodes-table", "events-table"] * 2)  # the job and the analysts
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


def _alarms(synth) -> dict[str, dict]:
    return {a["alarm_name"]: a for a in synth.resources("aws_cloudwatch_metric_alarm").values()}


def test_alarms_and_dashboard(ephemeral):
    alarms = _alarms(ephemeral)
    for part in (
        "iterator-age",
        "no-incoming-records",
        "write-throttles",
        "failed-put-records",
        "job-failed-tasks",
        "job-consumer-lag",
        "job-stalled",
        "job-restarted",
        "anomaly-rate",
        "incident",
        "db-cpu",
        "db-connections",
        "db-freeable-memory",
        "iot-rule-kinesis-failures",
        "iot-quarantine-rule-s3-failures",
        "iot-rule-erroractionfailure",
        "iot-quarantine-rule-erroractionfailure",
        "iot-rule-parseerror",
    ):
        assert any(part in name for name in alarms), part
    age = next(a for name, a in alarms.items() if "iterator-age" in name)
    assert age["threshold"] == 60_000  # three 10 s windows, at least a minute
    assert len(ephemeral.resources("aws_cloudwatch_dashboard")) == 1
    for group in ephemeral.resources("aws_cloudwatch_log_group").values():
        assert group["kms_key_id"] and group["retention_in_days"] == 30


def test_every_alarm_states_its_missing_data_choice_and_liveness_alarms_breach(ephemeral):
    alarms = _alarms(ephemeral)
    for name, alarm in alarms.items():
        assert f"Missing data is {alarm['treat_missing_data']}: " in alarm["alarm_description"], name
    for part in ("iterator-age", "no-incoming-records", "job-stalled", "job-consumer-lag"):
        alarm = next(a for name, a in alarms.items() if part in name)
        assert alarm["treat_missing_data"] == "breaching", part
    incoming = next(a for name, a in alarms.items() if "no-incoming-records" in name)
    assert (incoming["namespace"], incoming["metric_name"], incoming["statistic"]) == (
        "AWS/Kinesis",
        "IncomingRecords",
        "Sum",
    )
    stream = next(iter(ephemeral.resources("aws_kinesis_stream")))
    assert incoming["dimensions"] == {"StreamName": f"${{aws_kinesis_stream.{stream}.name}}"}
    for action in ("Kinesis", "S3"):
        assert any(a.get("dimensions", {}).get("ActionType") == action for a in alarms.values()), action


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
        iotQuarantineRuleName="iotsp_telemetry_quarantine_ci_test",
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
    terraform_validate(ephemeral.path.parent, tmp_path)


def terraform_validate(stack_dir: Path, tmp_path: Path) -> None:
    mirror = _terraform_env()
    rc = tmp_path / "terraformrc"
    rc.write_text(
        f'provider_installation {{\n  filesystem_mirror {{\n    path = "{mirror}"\n'
        '    include = ["registry.terraform.io/*/*"]\n  }\n}\n'
    )
    env = {**os.environ, "TF_CLI_CONFIG_FILE": str(rc), "TF_IN_AUTOMATION": "1"}
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
    from infra.components.detective_controls import config_rule_identifiers

    assert "aws_config_config_rule" not in ephemeral.document["resource"]
    rules = production.resources("aws_config_config_rule")
    assert sorted(r["source"]["source_identifier"] for r in rules.values()) == config_rule_identifiers()
    tags = next(r for r in rules.values() if r["source"]["source_identifier"] == "REQUIRED_TAGS")
    assert json.loads(tags["input_parameters"])["tag5Key"] == "DataClassification"


def _statements(synth, path_part: str) -> dict[str, dict]:
    docs = [
        d
        for d in synth.document["data"]["aws_iam_policy_document"].values()
        if path_part in d["//"]["metadata"]["path"]
    ]
    assert len(docs) == 1, f"{len(docs)} policy documents under {path_part}"
    return {s["sid"]: s for s in docs[0]["statement"]}


def test_the_stack_passes_exactly_the_arguments_the_glue_entry_reads(ephemeral):
    """The job's contract (anomaly.sensor_stream_job.ARGUMENTS) against what the stack passes: a job argument the
    stack forgets makes getResolvedOptions fail at start on AWS; an argument nobody reads is a stale setting."""
    from anomaly.sensor_stream_job import ARGUMENTS

    args = ephemeral.one("aws_glue_job", "processing")["default_arguments"]
    ours = {k[2:] for k in args if not k[2:].startswith(("job-", "enable-", "extra-", "custom-", "TempDir"))}
    assert ours == set(ARGUMENTS) - {"JOB_NAME"}  # Glue passes JOB_NAME itself


def test_job_arguments_ship_dependencies_and_use_the_application_role(ephemeral):
    args = ephemeral.one("aws_glue_job", "processing")["default_arguments"]
    assert "--additional-python-modules" not in args and "--db_secret_arn" not in args
    assert args["--db_user"] == "anomaly_writer" and args["--db_port"] == "5432"
    assert args["--db_endpoint"].startswith("${aws_rds_cluster.") and args["--db_name"] == "sensors"
    bundle = ephemeral.one("aws_s3_object", "processing/rds-ca-bundle")
    assert args["--extra-files"].endswith("${aws_s3_object.processing_rds-ca-bundle_83AB9D7A.key}")
    assert bundle["key"].startswith("certs/")
    assert args["--rds_ca_bundle"] == "rds-ca-bundle.pem" and bundle["source"].endswith(".pem")
    assert "aws_s3_object.processing_job-package_" in args["--extra-py-files"]
    prefix = args["--custom-logGroup-prefix"]
    names = {g["name"] for g in ephemeral.resources("aws_cloudwatch_log_group").values()}
    assert {f"{prefix}/error", f"{prefix}/output"} <= names
    assert int(args["--max_fetch_records_per_shard"]) % int(args["--max_record_per_read"]) == 0  # a strict cap
    assert int(args["--max_fetch_time_ms"]) < int(args["--window_seconds"]) * 1000


def test_job_role_cannot_touch_its_code_raw_data_or_the_master_secret(ephemeral):
    statements = _statements(ephemeral, "processing/job-role-policy-doc")
    writes = [
        r
        for s in statements.values()
        if {"s3:PutObject", "s3:DeleteObject"} & set(s["actions"])
        for r in s["resources"]
    ]
    assert writes and not [r for r in writes if "/jobs/" in r or "/certs/" in r or (r.endswith("/*") and "raw" in r)]
    state = ("/checkpoints/", "/temp/", "/checkpoints_$folder$", "/temp_$folder$")  # EMRFS's folder markers
    assert all(any(p in r for p in state) for r in writes if "scripts" in r)
    assert statements["ReadOwnCode"]["actions"] == ["s3:GetObject"]
    raw = next(b for b in ephemeral.resources("aws_s3_bucket") if b.startswith("lake_raw_"))
    assert not [r for s in statements.values() for r in s["resources"] if f"aws_s3_bucket.{raw}." in r]
    assert not [a for s in statements.values() for a in s["actions"] if a.startswith("secretsmanager:")]
    connect = statements["ConnectAsApplicationRole"]
    assert connect["actions"] == ["rds-db:connect"] and len(connect["resources"]) == 1
    assert connect["resources"][0].endswith(".cluster_resource_id}/anomaly_writer")
    assert ":rds-db:" in connect["resources"][0]


def test_functions_may_trace_and_the_role_exists_before_the_function(ephemeral):
    functions = ephemeral.resources("aws_lambda_function")
    assert len(functions) == 3
    docs = [
        d
        for d in ephemeral.document["data"]["aws_iam_policy_document"].values()
        if d["//"]["metadata"]["path"].endswith("/role-policy-doc")
    ]
    assert len(docs) == 3
    for document in docs:
        xray = next(s for s in document["statement"] if s["sid"] == "SendTraces")
        assert xray["actions"] == ["xray:PutTraceSegments", "xray:PutTelemetryRecords"] and xray["resources"] == ["*"]
    for function in functions.values():
        assert function["tracing_config"]["mode"] == "Active"
        assert any(d.startswith("aws_iam_role_policy.") for d in function["depends_on"])


def test_keeper_starts_jobs_at_deploy_and_restarts_them_on_failure(ephemeral):
    rules = {r["name"]: r for r in ephemeral.resources("aws_cloudwatch_event_rule").values()}
    failed = json.loads(next(r for n, r in rules.items() if "job-failed" in n)["event_pattern"])
    assert failed["detail"]["state"] == ["FAILED", "TIMEOUT", "ERROR"] and failed["source"] == ["aws.glue"]
    assert any(r.get("schedule_expression") == "rate(5 minutes)" for r in rules.values())
    start = ephemeral.one("aws_lambda_invocation", "job-keeper")
    assert start["depends_on"] and all(d.startswith("aws_glue_job.") for d in start["depends_on"])
    assert set(start["triggers"]) == {"script", "package", "schema"}
    job = ephemeral.one("aws_glue_job", "processing")
    assert job["max_retries"] == 0 and job["execution_property"]["max_concurrent_runs"] == 1


def test_schema_migration_runs_once_per_schema_from_the_vpc(ephemeral):
    import hashlib

    migration = ephemeral.one("aws_lambda_invocation", "schema-migration")
    schema = (PROJECT / "anomaly" / "schema.sql").read_bytes()
    assert migration["triggers"] == {"schema_sha256": hashlib.sha256(schema).hexdigest()}
    assert all(d.startswith("aws_rds_cluster_instance.") for d in migration["depends_on"])
    function = ephemeral.one("aws_lambda_function", "schema-migration")
    assert function["vpc_config"]["subnet_ids"] and ephemeral.one("aws_rds_cluster", "database")["enable_http_endpoint"]
    statements = _statements(ephemeral, "schema-migration/migration/role-policy-doc")
    run = statements["RunStatements"]["resources"]
    assert len(run) == 1 and run[0].startswith("${aws_rds_cluster.") and run[0].endswith(".arn}")
    endpoints = {e["service_name"].rsplit(".", 1)[1] for e in ephemeral.resources("aws_vpc_endpoint").values()}
    assert {"rds-data", "xray", "glue", "monitoring"} <= endpoints
