"""The CLIs (local runner, offline scorer), the Aurora sink, batch metrics and the Glue job package."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile

import boto3
import pandas as pd
import pytest
from moto import mock_aws

from anomaly.__main__ import main
from anomaly.aurora import CachedSecret, batch_metrics, rows_for_upsert, tls_context, upsert_anomalies
from anomaly.package import build_job_package
from tests.conftest import PROJECT


def _series_csv(path, spike_at=300):
    times = pd.date_range("2026-01-01", periods=600, freq="10s", tz="UTC")
    values = [60 + 0.3 * ((i * 7919) % 13 - 6) / 6 for i in range(600)]
    values[spike_at] = 95.0
    pd.DataFrame({"timestamp": times.strftime("%Y-%m-%dT%H:%M:%SZ"), "value": values, "metric": "temperature"}).to_csv(
        path, index=False
    )


def test_scorer_flags_the_spike(tmp_path, capsys):
    _series_csv(tmp_path / "series.csv")
    assert main(["score", "--csv", str(tmp_path / "series.csv"), "--out", str(tmp_path / "flags.csv")]) == 0
    flags = pd.read_csv(tmp_path / "flags.csv")
    assert (flags["timestamp"] == "2026-01-01T00:50:00Z").any()
    assert set(flags.loc[flags["timestamp"] == "2026-01-01T00:50:00Z", "rule"]) >= {"ewma_z"}
    assert "anomalous reading(s) written" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("time,val\n1,2\n", "missing column(s) timestamp, value"),
        ("timestamp,value\n2026-01-01T00:00:00Z,1\nnot-a-time,2\n2026-01-01T00:00:20Z,x\n", "line(s) 3, 4"),
    ],
)
def test_scorer_bad_input_is_one_clear_line(tmp_path, capsys, content, message):
    (tmp_path / "bad.csv").write_text(content)
    assert main(["score", "--csv", str(tmp_path / "bad.csv"), "--out", str(tmp_path / "o.csv")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and message in err and "\n" not in err
    assert main(["score", "--csv", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "o.csv")]) == 2


def test_runner_reports_a_missing_input(tmp_path, capsys):
    assert main(["--input", str(tmp_path / "nope"), "--output", str(tmp_path / "out")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_runner_refuses_an_empty_micro_batch_size(tmp_path, capsys):
    (tmp_path / "in.jsonl").write_text("{}\n")
    args = ["--input", str(tmp_path / "in.jsonl"), "--output", str(tmp_path / "out"), "--files-per-batch", "0"]
    assert main(args) == 2
    assert "--files-per-batch 0: must be 1 or more" in capsys.readouterr().err


class FakeConnection:
    """Records SQL; fails the login for a stale password, as PostgreSQL does (SQLSTATE 28P01)."""

    log: list = []
    valid_password = "rotated"

    def __init__(self, **kwargs):
        if kwargs["password"] != self.valid_password:
            raise RuntimeError("{'C': '28P01', 'M': 'password authentication failed'}")
        self.kwargs = kwargs

    def run(self, sql, **params):
        FakeConnection.log.append((sql.strip().split()[0], params))

    def close(self):
        FakeConnection.log.append(("CLOSE", {}))


def test_secret_is_cached_and_refreshed_after_rotation():
    with mock_aws():
        client = boto3.client("secretsmanager", region_name="eu-central-1")
        arn = client.create_secret(Name="db", SecretString=json.dumps({"username": "u", "password": "old"}))["ARN"]
        now = [0.0]
        secret = CachedSecret(client, arn, ttl_s=300, clock=lambda: now[0])
        assert secret.get()["password"] == "old" and secret.get()["password"] == "old" and secret.fetches == 1
        client.put_secret_value(SecretId=arn, SecretString=json.dumps({"username": "u", "password": "rotated"}))
        FakeConnection.log = []
        anomaly = {
            "event_id": "e1",
            "rule": "ewma_z",
            "device_id": "d",
            "metric": "temperature",
            "value": 1.0,
            "severity": "warning",
            "event_ts": "2026-01-01T00:00:00Z",
            "extra": "ignored",
        }
        assert (
            upsert_anomalies(
                [anomaly, {**anomaly, "rule": "robust_z"}], secret, "db.local", "sensors", FakeConnection, None
            )
            == 2
        )
        assert secret.fetches == 2  # the stale password failed once, the secret was re-read
        statements = [s for s, _ in FakeConnection.log]
        assert statements == ["BEGIN", "CREATE", "INSERT", "INSERT", "COMMIT", "CLOSE"]
        assert "extra" not in FakeConnection.log[2][1] and FakeConnection.log[2][1]["event_id"] == "e1"
        now[0] = 301.0
        secret.get()
        assert secret.fetches == 3  # TTL expired
        assert upsert_anomalies([], secret, "db.local", "sensors", FakeConnection, None) == 0


def test_upsert_rolls_back_on_error():
    class Failing(FakeConnection):
        def run(self, sql, **params):
            super().run(sql, **params)
            if sql.strip().startswith("INSERT"):
                raise RuntimeError("constraint")

    secret = CachedSecret(None, "x")
    secret._value, secret._fetched = {"username": "u", "password": "rotated"}, 0.0
    secret.clock = lambda: 1.0
    FakeConnection.log = []
    with pytest.raises(RuntimeError, match="constraint"):
        upsert_anomalies(rows_for_upsert([{"event_id": "e"}]), secret, "h", "d", Failing, None)
    assert [s for s, _ in FakeConnection.log][-2:] == ["ROLLBACK", "CLOSE"]


def test_tls_context_verifies_certificates(tmp_path):
    import ssl

    context = tls_context(ssl.get_default_verify_paths().cafile or "/etc/ssl/certs/ca-certificates.crt")
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2


def test_batch_metrics_are_accepted_by_cloudwatch():
    data = batch_metrics("job", {"records": 100, "curated": 98, "anomalies": 4, "quarantined": 2}, 1.5)
    by_name = {d["MetricName"]: d["Value"] for d in data}
    assert by_name["AnomalyRatePercent"] == pytest.approx(400 / 98)
    assert batch_metrics("job", {}, 0)[3]["Value"] == 0.0
    with mock_aws():
        boto3.client("cloudwatch", region_name="eu-central-1").put_metric_data(Namespace="IoT/test", MetricData=data)


def test_job_package_is_deterministic_and_importable(tmp_path):
    first = build_job_package(tmp_path / "a")
    second = build_job_package(tmp_path / "b")
    assert first.read_bytes() == second.read_bytes()
    names = zipfile.ZipFile(first).namelist()
    assert "anomaly/detector.py" in names and "anomaly/schemas/sensor_event.schema.json" in names
    assert not [n for n in names if not n.startswith("anomaly/")], "the Glue zip carries only the job"
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]); import anomaly.detector as d, anomaly.event_schema as e; "
        "print(d.__file__, e.event_schema()['title'])"
    )
    run = subprocess.run(
        [sys.executable, "-c", probe, str(first)], capture_output=True, text=True, cwd=tmp_path, timeout=60
    )
    assert run.returncode == 0 and "sensor-job-package.zip" in run.stdout and "Sensor event" in run.stdout
    assert str(PROJECT) not in run.stdout
