"""The CLIs (local runner, offline scorer), the Aurora sink, batch metrics and the Glue job package."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from datetime import datetime

import boto3
import pandas as pd
import pytest
from moto import mock_aws

from anomaly.__main__ import main
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
from anomaly.package import build_job_package, dependency_versions
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
    spike = flags.loc[flags["timestamp"] == "2026-01-01T00:50:00Z"]
    assert set(spike["rule"]) >= {"spike"} and (spike["score"] >= 0.5).all()
    assert "anomaly row(s) written" in capsys.readouterr().out


def test_scorer_writes_every_readings_score_and_draws_the_series(tmp_path, capsys):
    """--all-readings: one row per reading with its score, reason and whether it alerts; --plot: a PNG of the
    series, its score and episodes (matplotlib, imported only for it)."""
    _series_csv(tmp_path / "series.csv")
    args = ["score", "--csv", str(tmp_path / "series.csv"), "--out", str(tmp_path / "all.csv")]
    assert main([*args, "--all-readings", "--plot", str(tmp_path / "series.png")]) == 0
    assert "600 scored reading(s) written" in capsys.readouterr().out
    readings = pd.read_csv(tmp_path / "all.csv")
    assert len(readings) == 600 and readings["score"].between(0, 1).all()
    assert list(readings.columns) == ["timestamp", "device_id", "metric", "value", "score", "reason", "alert"]
    assert readings.loc[300, "alert"] and readings.loc[300, "reason"] == "spike" and readings["alert"].sum() < 10
    assert (tmp_path / "series.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--episodes", "--all-readings"], "choose one"),
        (["--plot", "{tmp}/no/such/dir/x.png"], "--plot"),
    ],
)
def test_scorer_refuses_conflicting_or_unusable_options_in_one_line(tmp_path, capsys, extra, message):
    _series_csv(tmp_path / "series.csv")
    extra = [e.replace("{tmp}", str(tmp_path)) for e in extra]
    assert main(["score", "--csv", str(tmp_path / "series.csv"), "--out", str(tmp_path / "o.csv"), *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and message in err and "\n" not in err
    assert not (tmp_path / "o.csv").exists()


def test_scorer_without_matplotlib_says_how_to_get_it(tmp_path, capsys, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def without_matplotlib(name, *args, **kwargs):
        if name == "matplotlib" or name.startswith("matplotlib."):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", without_matplotlib)
    _series_csv(tmp_path / "series.csv")
    args = ["score", "--csv", str(tmp_path / "series.csv"), "--out", str(tmp_path / "o.csv")]
    assert main([*args, "--plot", str(tmp_path / "p.png")]) == 2
    err = capsys.readouterr().err.strip()
    assert "--plot needs matplotlib" in err and "requirements/job.txt" in err and "\n" not in err


def test_the_job_zip_carries_no_plotting_library(tmp_path):
    """The offline tool's --plot dependency never ships to Glue."""
    with zipfile.ZipFile(build_job_package(tmp_path)) as archive:
        names = archive.namelist()
    assert not [n for n in names if n.split("/")[0] in {"matplotlib", "PIL", "contourpy", "kiwisolver", "fontTools"}]
    assert "anomaly/detector.py" in names and "anomaly/surprise.py" in names and "anomaly/__main__.py" not in names


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


def _unreadable(tmp_path):
    """A file this user cannot read: without read permission, or (as root, who reads any file) a kernel file
    whose read fails."""
    import os
    from pathlib import Path

    if os.geteuid() != 0:
        (tmp_path / "locked.csv").write_text("timestamp,value\n")
        (tmp_path / "locked.csv").chmod(0)
        return tmp_path / "locked.csv", "Permission denied"
    if not Path("/proc/self/mem").exists():
        pytest.skip("running as root without /proc: no file here is unreadable to this user")
    return Path("/proc/self/mem"), "Input/output error"


@pytest.mark.parametrize(
    "case", ["missing out folder", "out is a folder", "out parent is a file", "input is a folder", "unreadable input"]
)
def test_the_scorer_refuses_unusable_paths_in_one_line_by_its_entry_point(tmp_path, case):
    """`python -m anomaly score` run as a user runs it: a path it cannot read or write ends in one line that names
    the option, the path and what to do, exit status 2, no traceback and no output file."""
    _series_csv(tmp_path / "series.csv")
    good, out, missing = str(tmp_path / "series.csv"), str(tmp_path / "o.csv"), str(tmp_path / "no" / "dir" / "o.csv")
    csv, target, expected = {
        "missing out folder": (good, missing, ["--out", "does not exist", "mkdir -p"]),
        "out is a folder": (good, str(tmp_path), ["--out", "is a folder", "scored.csv"]),
        "out parent is a file": (good, good + "/o.csv", ["--out", "is not a folder"]),
        "input is a folder": (str(tmp_path), out, ["--csv", "is a folder", "export file"]),
        "unreadable input": (None, out, ["--csv", "cannot be read", "permissions"]),
    }[case]
    if csv is None:
        path, reason = _unreadable(tmp_path)
        csv, expected = str(path), [*expected, reason]
    run = subprocess.run(
        [sys.executable, "-m", "anomaly", "score", "--csv", csv, "--out", target],
        capture_output=True,
        text=True,
        cwd=PROJECT,
        timeout=120,
    )
    lines = run.stderr.strip().splitlines()
    assert run.returncode == 2 and run.stdout == "", run.stderr
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in run.stderr, run.stderr
    assert all(word in lines[0] for word in [*expected, target if "--out" in expected else csv]), lines[0]
    assert not (tmp_path / "o.csv").exists()


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


def test_job_package_is_deterministic_and_carries_pg8000(tmp_path):
    first = build_job_package(tmp_path / "a")
    second = build_job_package(tmp_path / "b")
    assert first.read_bytes() == second.read_bytes()
    names = zipfile.ZipFile(first).namelist()
    assert "anomaly/detector.py" in names and "anomaly/schemas/sensor_event.schema.json" in names
    assert "anomaly/sensor_stream_job.py" not in names and not any(n.endswith(".pyc") for n in names)
    tops = {n.split("/")[0] for n in names}
    assert {t.split("-")[0] for t in tops if t.endswith(".dist-info")} == {
        "pg8000",
        "scramp",
        "asn1crypto",
        "python_dateutil",
        "six",
    }
    assert tops - {t for t in tops if t.endswith(".dist-info")} == {
        "anomaly",
        "pg8000",
        "scramp",
        "asn1crypto",
        "dateutil",
        "six.py",
    }
    assert not any("RECORD" in n or "INSTALLER" in n for n in names)


def test_the_shipped_versions_are_the_pinned_ones():
    for requirements in ("job.txt", "platform.txt"):
        pins = dict(
            line.strip().split("==")
            for line in (PROJECT / "requirements" / requirements).read_text().splitlines()
            if "==" in line and not line.startswith("#")
        )
        pins = {name.lower(): version for name, version in pins.items()}
        for name, version in dependency_versions().items():
            assert pins.get(name.lower()) == version, f"requirements/{requirements}: {name}"


def test_pg8000_imports_from_the_shipped_zip_alone_in_a_clean_interpreter(tmp_path):
    package = build_job_package(tmp_path)
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]); "
        "import pg8000.native, scramp, anomaly.aurora as a, anomaly.event_schema as e, importlib.metadata as m; "
        "assert all(p == sys.argv[1] or 'python3' in p and 'site-packages' not in p for p in sys.path if p), sys.path; "
        "print(pg8000.native.__file__, m.version('pg8000'), a.APP_ROLE, e.event_schema()['title'])"
    )
    # -I: no environment variables, no user site; -S: no site-packages at all. Only the standard library and the zip.
    run = subprocess.run(
        [sys.executable, "-I", "-S", "-c", probe, str(package)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert "sensor-job-package.zip/pg8000/native.py 1.31.6 anomaly_writer Sensor event" in run.stdout
    assert str(PROJECT) not in run.stdout
