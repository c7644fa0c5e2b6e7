"""The offline scorer (`python -m anomaly score`): flags, episodes, every reading's score, the plot, refusals."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from anomaly.__main__ import main
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
