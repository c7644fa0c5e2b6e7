"""The Aurora sink (credentials, upserts, TLS), the Glue entry's refusal without its CA bundle, batch metrics."""

from __future__ import annotations

import shutil
from datetime import datetime

import boto3
import pytest
from moto import mock_aws

from anomaly.aurora import (
    APP_ROLE,
    AuroraSink,
    ConfigError,
    Credentials,
    Login,
    batch_metrics,
    iam_token_credentials,
    password_credentials,
    tls_context,
)


class FakeConnection:
    """Records SQL; fails the login for a stale password, as PostgreSQL does (SQLSTATE 28P01)."""

    log: list = []
    valid_password = "rotated"

    def __init__(self, **kwargs):
        if kwargs["password"] != self.valid_password:
            raise RuntimeError({"S": "FATAL", "C": "28P01", "M": "password authentication failed"})
        self.kwargs = kwargs

    def run(self, sql, **params):
        FakeConnection.log.append((sql.strip().split()[0], sql, params))

    def close(self):
        FakeConnection.log.append(("CLOSE", "", {}))


def _ca_bundle(tmp_path):
    from tests.anomaly.pg_server import make_pki

    return make_pki(tmp_path / "pki").ca


ANOMALY = {
    "event_id": "e1",
    "rule": "spike",
    "score": 0.8,
    "device_id": "d",
    "metric": "temperature",
    "value": 1.0,
    "severity": "warning",
    "event_ts": 1_767_225_600_000_000,
    "extra": "ignored",
}


def test_credentials_are_cached_and_fetched_again_after_a_refused_login(tmp_path):
    passwords = iter(["old", "rotated"])
    now = [0.0]
    credentials = Credentials(lambda: Login("anomaly_writer", next(passwords)), ttl_s=300, clock=lambda: now[0])
    sink = AuroraSink("db.local", "sensors", credentials, FakeConnection, tls_context(_ca_bundle(tmp_path)))
    FakeConnection.log = []
    assert sink.upsert_anomalies([ANOMALY, {**ANOMALY, "rule": "gap"}, {**ANOMALY, "value": 2.0}]) == 2
    assert credentials.fetches == 2  # the stale password failed once, the source was asked again
    assert [entry[0] for entry in FakeConnection.log] == ["BEGIN", "INSERT", "COMMIT", "CLOSE"]
    _, sql, params = FakeConnection.log[1]
    assert "unnest(" in sql and "ON CONFLICT (event_id, rule) DO UPDATE" in sql and "extra" not in params
    assert params["rule"] == ["spike", "gap"] and params["value"] == [2.0, 1.0]  # last record per key wins
    assert params["score"] == [0.8, 0.8]
    assert params["event_ts"][0].isoformat() == "2026-01-01T00:00:00+00:00"
    now[0] = 301.0
    with pytest.raises(StopIteration):
        credentials.get()  # TTL expired: fetched again
    assert sink.upsert_alerts([], []) == {}


def test_upsert_rolls_back_on_error(tmp_path):
    class Failing(FakeConnection):
        def run(self, sql, **params):
            super().run(sql, **params)
            if sql.strip().startswith("INSERT"):
                raise RuntimeError("constraint")

    credentials = password_credentials("anomaly_writer", lambda: "rotated")
    sink = AuroraSink("h", "d", credentials, Failing, tls_context(_ca_bundle(tmp_path)))
    FakeConnection.log = []
    with pytest.raises(RuntimeError, match="constraint"):
        sink.upsert_anomalies([ANOMALY])
    assert [entry[0] for entry in FakeConnection.log][-2:] == ["ROLLBACK", "CLOSE"]
    with pytest.raises(RuntimeError, match="28P01"):  # a refused login that is not fixed by a new fetch
        AuroraSink("h", "d", password_credentials("u", lambda: "wrong"), Failing, sink.ssl_context).upsert_anomalies(
            [ANOMALY]
        )
    with pytest.raises(ValueError, match="naive datetime"):
        sink.upsert_anomalies([{**ANOMALY, "event_ts": datetime(2026, 1, 1)}])
    with pytest.raises(ValueError, match="may not hold a comma"):
        sink.upsert_alerts([], [{"episode_id": "x", "rules": ["a,b"]}])


def test_iam_token_is_the_password_of_the_application_role():
    rds = boto3.client(
        "rds", region_name="eu-central-1", aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret"
    )
    login = iam_token_credentials(rds, "db.cluster-x.eu-central-1.rds.amazonaws.com", 5432).get()
    assert login.user == APP_ROLE == "anomaly_writer"
    assert login.password.startswith("db.cluster-x.eu-central-1.rds.amazonaws.com:5432/?Action=connect")
    assert "DBUser=anomaly_writer" in login.password and "X-Amz-Signature=" in login.password
    assert "X-Amz-Expires=900" in login.password  # AWS: valid 15 minutes; the job takes a new one after 10
    assert login.password not in repr(login)


def test_tls_context_verifies_certificates_and_refuses_a_missing_or_empty_bundle(tmp_path):
    import ssl

    context = tls_context(_ca_bundle(tmp_path))
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2
    assert len(context.get_ca_certs()) == 1  # the bundle alone: not the machine's trust store
    (tmp_path / "empty.pem").write_text("# no certificate here\n")
    for bundle, message in ((tmp_path / "missing.pem", "not found"), (tmp_path / "empty.pem", "holds no PEM")):
        with pytest.raises(ConfigError, match=message) as refused:
            tls_context(bundle)
        assert str(bundle) in str(refused.value) and "--rds_ca_bundle" in str(refused.value)


GLUE_ARGS = {
    "JOB_NAME": "job",
    "curated_path": "s3://lake/curated/",
    "anomalies_path": "s3://lake/anomalies/",
    "episodes_path": "s3://lake/episodes/",
    "quarantine_path": "s3://lake/quarantine/",
    "db_endpoint": "db.cluster-x.eu-central-1.rds.amazonaws.com",
    "db_port": "5432",
    "db_name": "sensors",
    "db_user": "anomaly_writer",
}


def test_the_glue_job_refuses_to_start_without_its_ca_bundle_in_one_line(tmp_path, monkeypatch):
    from anomaly.sensor_stream_job import ARGUMENTS, REQUIRED_ARGS, startup

    monkeypatch.chdir(tmp_path)  # Glue copies --extra-files beside the script: the working directory
    rds = boto3.client("rds", region_name="eu-central-1", aws_access_key_id="AKID", aws_secret_access_key="s")
    (tmp_path / "empty.pem").write_text("")
    for bundle in ("rds-ca-bundle.pem", "empty.pem"):
        with pytest.raises(SystemExit) as refused:
            startup({**GLUE_ARGS, "rds_ca_bundle": bundle}, rds, FakeConnection)
        message = str(refused.value.code)
        assert message.startswith("sensor_stream_job: refusing to start: RDS CA bundle") and "\n" not in message
    with pytest.raises(SystemExit, match="--db_port 'x' is not a port number"):
        startup({**GLUE_ARGS, "db_port": "x", "rds_ca_bundle": "empty.pem"}, rds, FakeConnection)
    shutil.copy(_ca_bundle(tmp_path), tmp_path / "rds-ca-bundle.pem")
    tables, sink = startup({**GLUE_ARGS, "rds_ca_bundle": "rds-ca-bundle.pem"}, rds, FakeConnection)
    assert tables.episodes == "s3://lake/episodes/" and sink.port == 5432
    assert sink.credentials.get().user == "anomaly_writer"
    assert "db_secret_arn" not in REQUIRED_ARGS and set(GLUE_ARGS) < set(REQUIRED_ARGS) == set(ARGUMENTS)


def test_batch_metrics_are_accepted_by_cloudwatch():
    counts = {"records": 100, "curated": 98, "anomalies": 4, "quarantined": 2, "episodes_opened": 1}
    data = batch_metrics("job", counts, 1.5)
    by_name = {d["MetricName"]: d["Value"] for d in data}
    assert by_name["AnomalyRatePercent"] == pytest.approx(400 / 98)
    assert by_name["EpisodesOpened"] == 1.0 and by_name["AnomaliesDetected"] == 4.0  # one page, four readings
    assert {d["MetricName"]: d["Value"] for d in batch_metrics("job", {}, 0)}["AnomalyRatePercent"] == 0.0
    with mock_aws():
        boto3.client("cloudwatch", region_name="eu-central-1").put_metric_data(Namespace="IoT/test", MetricData=data)
