"""Glue streaming: what the job needs to start in a VPC without internet, read fast enough, and log where we say."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from cryptography import x509

from infra.capacity import DRAIN_FACTOR, MAX_RECORDS_PER_GET_RECORDS, GlueReadSettings, drain_plan
from infra.constructs.certificates import RDS_CA_BUNDLE_SHA256
from tests.deployability.conftest import allows, job_arguments, key_policy, policy_statements, role_of


def test_the_source_options_drain_twice_the_load(ephemeral):
    """AWS: https://docs.aws.amazon.com/glue/latest/dg/aws-glue-programming-etl-connect-kinesis-home.html - per
    micro-batch each shard yields at most maxFetchRecordsPerShard, read for at most maxFetchTimeInMs with
    maxRecordPerRead per GetRecords call; Kinesis allows 5 GetRecords/s and 2 MiB/s per shard
    (https://docs.aws.amazon.com/streams/latest/dev/service-sizes-and-limits.html)."""
    job = next(iter(ephemeral.resources("aws_glue_job").values()))
    args = job["default_arguments"]
    settings = GlueReadSettings(
        int(args["--window_seconds"]),
        int(args["--max_fetch_time_ms"]),
        int(args["--max_record_per_read"]),
        int(args["--max_fetch_records_per_shard"]),
        job["number_of_workers"],
    )
    shards = next(iter(ephemeral.resources("aws_kinesis_stream").values()))["shard_count"]
    assert drain_plan(settings, 10_000, 1_024, shards).drain_factor >= DRAIN_FACTOR


def test_the_per_batch_cap_is_strict(ephemeral):
    """AWS: https://docs.aws.amazon.com/glue/latest/webapi/API_KinesisStreamingSourceOptions.html - the job can
    exceed maxFetchRecordsPerShard unless it is a multiple of maxRecordPerRead; GetRecords returns at most 10,000
    records (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_GetRecords.html)."""
    args = job_arguments(ephemeral)
    per_read = int(args["--max_record_per_read"])
    assert per_read <= MAX_RECORDS_PER_GET_RECORDS
    assert int(args["--max_fetch_records_per_shard"]) % per_read == 0


def test_no_dependency_is_fetched_at_run_time(ephemeral):
    """AWS: https://docs.aws.amazon.com/glue/latest/dg/aws-glue-programming-python-libraries.html -
    --additional-python-modules installs with pip from PyPI at job start, which a VPC without an internet path
    cannot reach; modules shipped with --extra-py-files load from S3 (through the gateway endpoint)."""
    args = job_arguments(ephemeral)
    assert "--additional-python-modules" not in args and "--python-modules-installer-option" not in args
    assert args["--extra-py-files"].startswith("s3://")
    endpoints = {e["service_name"].rsplit(".", 1)[1]: e for e in ephemeral.resources("aws_vpc_endpoint").values()}
    assert endpoints["s3"]["vpc_endpoint_type"] == "Gateway"


def test_the_job_trusts_aurora_with_aws_rds_ca_bundle(ephemeral):
    """AWS: https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/UsingWithRDS.SSL.html - clients verify an
    Aurora certificate against AWS's RDS CA bundle (global or per region); new clusters use rds-ca-rsa2048-g1, whose
    root for this region is 'Amazon RDS eu-central-1 Root CA RSA2048 G1'. The bundle is in no public trust store."""
    bundle = next(o for o in ephemeral.resources("aws_s3_object").values() if o["key"].endswith("/rds-ca-bundle.pem"))
    path = Path(bundle["source"])
    if not path.is_absolute():
        path = ephemeral.path.parent / path
    pem = path.read_bytes()
    assert hashlib.sha256(pem).hexdigest() == RDS_CA_BUNDLE_SHA256
    subjects = [c.subject.rfc4514_string() for c in x509.load_pem_x509_certificates(pem)]
    assert any("Amazon RDS eu-central-1 Root CA RSA2048 G1" in s for s in subjects)
    assert all("Amazon RDS" in s or "Amazon" in s for s in subjects)
    assert job_arguments(ephemeral)["--rds_ca_bundle"] == "rds-ca-bundle.pem"


def test_iam_database_authentication_names_the_cluster_resource_id(ephemeral):
    """AWS: https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/UsingWithRDS.IAMDBAuth.IAMPolicy.html -
    rds-db:connect takes arn:aws:rds-db:region:account-id:dbuser:DbClusterResourceId/db-user-name (the resource id,
    not the cluster identifier), and the cluster must enable IAM database authentication."""
    job = next(iter(ephemeral.resources("aws_glue_job").values()))
    statements = policy_statements(ephemeral, role_of(job["role_arn"]))
    connect = [r for s in statements if "rds-db:connect" in s["actions"] for r in s["resources"]]
    assert len(connect) == 1
    assert re.fullmatch(
        r"arn:\$\{data\.aws_partition\.[^}]+\}:rds-db:eu-central-1:\$\{data\.aws_caller_identity\.[^}]+\}:"
        r"dbuser:\$\{aws_rds_cluster\.[^.]+\.cluster_resource_id\}/anomaly_writer",
        connect[0],
    ), connect[0]
    cluster = next(iter(ephemeral.resources("aws_rds_cluster").values()))
    assert cluster["iam_database_authentication_enabled"] is True


def test_the_data_api_migration_has_what_the_data_api_needs(ephemeral):
    """AWS: https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/data-api.html - the Data API needs the
    cluster's HTTP endpoint enabled and a Secrets Manager secret for the database user; the caller needs
    rds-data:ExecuteStatement (and the transaction actions) and secretsmanager:GetSecretValue on that secret."""
    cluster = next(iter(ephemeral.resources("aws_rds_cluster").values()))
    assert cluster["enable_http_endpoint"] is True and cluster["manage_master_user_password"] is True
    function = next(f for f in ephemeral.resources("aws_lambda_function").values() if "migration" in f["function_name"])
    statements = policy_statements(ephemeral, role_of(function["role"]))
    for action in ("rds-data:ExecuteStatement", "rds-data:BeginTransaction", "rds-data:CommitTransaction"):
        assert allows(statements, action), action
    secret = function["environment"]["variables"]["SECRET_ARN"]
    assert allows(statements, "secretsmanager:GetSecretValue", secret)


def test_glue_log_groups_exist_under_the_custom_prefix(ephemeral):
    """AWS: https://docs.aws.amazon.com/glue/latest/dg/monitor-continuous-logging.html - with
    --custom-logGroup-prefix Glue 5.0 writes to <prefix>/error and <prefix>/output; the prefix matches [^:*]* and
    is at most 400 characters."""
    names = {g["name"] for g in ephemeral.resources("aws_cloudwatch_log_group").values()}
    for job in ephemeral.resources("aws_glue_job").values():
        prefix = job["default_arguments"]["--custom-logGroup-prefix"]
        assert re.fullmatch(r"[^:*]{1,400}", prefix)
        assert {f"{prefix}/error", f"{prefix}/output"} <= names
        assert "--continuous-log-logGroup" not in job["default_arguments"]


def test_every_encrypted_log_group_key_admits_cloudwatch_logs(ephemeral, baseline):
    """AWS: https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html - a log group's KMS
    key policy must allow logs.<region>.amazonaws.com to use the key, bound by the encryption context
    kms:EncryptionContext:aws:logs:arn; otherwise CreateLogGroup/AssociateKmsKey fail."""
    for synth in (ephemeral, baseline):
        for group in synth.resources("aws_cloudwatch_log_group").values():
            statements = key_policy(synth, group["kms_key_id"])
            logs = [s for s in statements if "logs.eu-central-1.amazonaws.com" in json.dumps(s.get("principals"))]
            assert logs, group["name"]
            assert any(
                c["variable"] == "kms:EncryptionContext:aws:logs:arn" for s in logs for c in s.get("condition", [])
            )


def test_the_catalog_key_is_granted_to_every_catalog_reader(ephemeral):
    """AWS: https://docs.aws.amazon.com/glue/latest/dg/encrypt-glue-data-catalog.html - with catalog encryption on,
    every principal that reads or writes the catalog needs kms:Decrypt (and GenerateDataKey to write) on its key."""
    key = next(iter(ephemeral.document["data"]["aws_glue_data_catalog_encryption_settings"]))
    reference = f"data.aws_glue_data_catalog_encryption_settings.{key}.data_catalog_encryption_settings"
    readers = {"glue-stream-job", "lake-analyst"}
    checked = 0
    for role, config in ephemeral.resources("aws_iam_role").items():
        if not any(r in config["name"] for r in readers):
            continue
        checked += 1
        statements = policy_statements(ephemeral, f"aws_iam_role.{role}")
        assert any("kms:Decrypt" in s["actions"] and any(reference in r for r in s["resources"]) for s in statements), (
            config["name"]
        )
    assert checked == len(readers)


def test_the_keeper_cannot_start_a_second_run(ephemeral):
    """AWS: https://docs.aws.amazon.com/glue/latest/webapi/API_StartJobRun.html - StartJobRun fails with
    ConcurrentRunsExceededException beyond MaxConcurrentRuns, so a keeper's start never doubles a streaming job;
    Glue's own retries are off (the keeper restarts, and alarms)."""
    for job in ephemeral.resources("aws_glue_job").values():
        assert job["execution_property"]["max_concurrent_runs"] == 1 and job["max_retries"] == 0


def test_the_keeper_listens_to_the_glue_state_change_event(ephemeral):
    """AWS: https://docs.aws.amazon.com/glue/latest/dg/automating-awsglue-with-cloudwatch-events.html - Glue sends
    'Glue Job State Change' events from source aws.glue with detail.jobName and detail.state (SUCCEEDED, FAILED,
    TIMEOUT, STOPPED; ERROR for runs that cannot start)."""
    jobs = sorted(j["name"] for j in ephemeral.resources("aws_glue_job").values())
    patterns = [
        json.loads(r["event_pattern"])
        for r in ephemeral.resources("aws_cloudwatch_event_rule").values()
        if r.get("event_pattern")
    ]
    assert len(patterns) == 1
    pattern = patterns[0]
    assert pattern["source"] == ["aws.glue"] and pattern["detail-type"] == ["Glue Job State Change"]
    assert sorted(pattern["detail"]["jobName"]) == jobs and "FAILED" in pattern["detail"]["state"]


def test_only_actions_without_resource_types_are_granted_on_every_resource(ephemeral):
    """AWS: https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
    - an action whose Resource types column is empty can only be granted on "*"; one that lists a resource type
    (ec2:DescribeVpcAttribute names the vpc) can be scoped and must be. Read from the IAM action catalog
    (policy_sentry), for every inline policy of the environment; each such grant carries a condition."""
    from policy_sentry.querying.actions import get_action_data

    from infra.components.processing import WILDCARD_RESOURCE_REASONS

    def scopable(action: str) -> list[str]:
        service, name = action.split(":")
        return [
            r["resource_arn_format"] for r in get_action_data(service, name)[service] if r["resource_arn_format"] != "*"
        ]

    assert not {a: scopable(a) for a in WILDCARD_RESOURCE_REASONS if scopable(a)}
    broad = []
    for role in ephemeral.resources("aws_iam_role"):
        for statement in policy_statements(ephemeral, f"aws_iam_role.{role}"):
            if statement.get("resources") != ["*"]:
                continue
            broad += [f"{statement['sid']}: {a} -> {scopable(a)}" for a in statement["actions"] if scopable(a)]
            if not statement.get("condition") and not all(a.startswith("xray:") for a in statement["actions"]):
                broad.append(f"{statement['sid']}: on '*' without a condition")
    assert not broad, broad
