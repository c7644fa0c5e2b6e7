"""The gate's CLI contract, findings document, suppressions and the Aspect's attachment rules."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from cdktf import App, Aspects, TerraformResource, TerraformStack

from compliance.__main__ import main
from compliance.findings import FindingsError, validate_findings
from policies import Guardrails, SuppressionError, guard, suppress
from tests.conftest import PROJECT


def test_usage_errors_exit_2_with_one_line(tmp_path, capsys):
    assert main(["check", str(tmp_path / "missing")]) == 2
    assert main(["check", str(tmp_path)]) == 2
    stack = tmp_path / "out" / "stacks" / "s"
    stack.mkdir(parents=True)
    (stack / "cdk.tf.json").write_text('{"resource": {"aws_s3_bucket": {"b": {"bucket": "x"')  # truncated
    assert main(["check", str(tmp_path / "out")]) == 2
    assert main(["check", str(tmp_path / "out"), "--", "--environment-suffix", "x"]) == 2  # -- is for --synth
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 4 and all(line.startswith("error: ") for line in err), err
    assert "not JSON" in err[2] and "line 1 column" in err[2] and "synthesize again" in err[2]
    with pytest.raises(SystemExit) as exit_info:
        main(["check"])
    assert exit_info.value.code == 2


def test_platform_stack_passes_with_reasoned_suppressions(ephemeral, tmp_path):
    assert main(["check", str(ephemeral.outdir), "--out", str(tmp_path)]) == 0
    document = json.loads((tmp_path / "findings.json").read_text())
    validate_findings(document)
    findings = document["findings"]
    assert document["summary"]["verdict"] == "passed"
    assert {f["engine"] for f in findings} == {"guardrails", "checkov"}
    assert all(f["construct_path"].startswith("iot-platform-ci-test") for f in findings)
    assert all(f["construct_path"] != "iot-platform-ci-test" or f["resource"].startswith("provider.") for f in findings)
    suppressed = [f for f in findings if f["status"] == "suppressed"]
    assert suppressed and all(len(f["suppression"]["reason"]) >= 10 for f in suppressed)
    # The access-log bucket is the exception AWS documents, not a suppression: S3-ENC-001 (with its Checkov twin
    # folded in) and S3-LOG-001 are waived, with the reason.
    log_bucket = {f["rule_id"]: f for f in findings if f["construct_path"].endswith("access-logs/bucket")}
    assert log_bucket["S3-ENC-001"]["status"] == log_bucket["S3-LOG-001"]["status"] == "waived"
    assert "CKV_AWS_145" in log_bucket["S3-ENC-001"]["also"] and "CKV_AWS_145" not in log_bucket
    assert all("access-log target" in log_bucket[r]["reason"] for r in ("S3-ENC-001", "S3-LOG-001"))
    # Key policies: Checkov's identity-policy checks are replaced by our key-policy rules, not suppressed per stack.
    replaced = [f for f in findings if f["status"] == "waived" and f["engine"] == "checkov"]
    assert {f["rule_id"] for f in replaced} == {
        "CKV_AWS_109",
        "CKV_AWS_111",
        "CKV_AWS_356",
        "CKV_AWS_24",
        "CKV_AWS_25",
        "CKV_AWS_260",
    }
    assert all(f["reason"].startswith("replaced by ") for f in replaced)
    assert not [f for f in suppressed if f["rule_id"] in ("CKV_AWS_109", "CKV_AWS_111", "CKV_AWS_356")]
    # Checkov names python-check results resource.<name>; the gate restores the type.
    assert all(not f["resource"].startswith("resource.") for f in findings)
    sha = document["summary"]["stack_sha256"]["iot-platform-ci-test"]
    import hashlib

    assert sha == hashlib.sha256(ephemeral.path.read_bytes()).hexdigest()


def test_production_profile_passes(production, tmp_path):
    assert main(["check", str(production.outdir), "--out", str(tmp_path), "--profile", "production"]) == 0
    document = json.loads((tmp_path / "findings.json").read_text())
    ids = {f["rule_id"] for f in document["findings"]}
    assert {"RES-PRD-001", "LOG-RET-002", "CKV_AWS_139"} <= ids and "DES-EPH-001" not in ids


def test_schema_rejects_a_broken_document():
    with pytest.raises(FindingsError, match="findings"):
        validate_findings(
            {"findings": [{"rule_id": "X"}], "summary": {}, "stacks": [], "skipped_checks": [], "profile": "ephemeral"}
        )


def test_cli_runs_as_a_module(ephemeral, tmp_path):
    run = subprocess.run(
        [sys.executable, "-m", "compliance", "check", str(ephemeral.outdir), "--out", str(tmp_path)],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "compliance gate PASSED" in run.stdout


def _bucket_stack(app, name):
    stack = TerraformStack(app, name)
    bucket = TerraformResource(stack, "bucket", terraform_resource_type="aws_s3_bucket")
    bucket.add_override("bucket", "b")
    return stack, bucket


def test_aspects_on_the_app_do_not_run_in_cdktf_021_but_guard_does(tmp_path):
    app = App(outdir=str(tmp_path / "a"))
    _bucket_stack(app, "one")
    silent = Guardrails()
    Aspects.of(app).add(silent)
    app.synth()
    assert silent.findings == {}, "cdktf now applies App-level Aspects: guard() can rely on them"

    app = App(outdir=str(tmp_path / "b"))
    _bucket_stack(app, "one")
    guardrails = guard(app)
    with pytest.raises(Exception, match="S3-ENC-001"):
        app.synth()
    assert guardrails.findings["one"]


def test_stack_created_after_guard_fails_synth(tmp_path):
    app = App(outdir=str(tmp_path))
    guard(app)
    _, bucket = _bucket_stack(app, "late")
    suppress(bucket, "S3-ENC-001", reason="fixture: only the late-stack check is under test here")
    with pytest.raises(Exception, match="ran without Guardrails"):
        app.synth()


def test_suppress_refuses_unknown_ids_and_thin_reasons(tmp_path):
    app = App(outdir=str(tmp_path))
    _, bucket = _bucket_stack(app, "s")
    with pytest.raises(SuppressionError, match="unknown rule id"):
        suppress(bucket, "NOPE-001", reason="a long enough reason")
    with pytest.raises(SuppressionError, match="at least 10"):
        suppress(bucket, "S3-ENC-001", reason="because")


def test_profiles_name_real_checks_and_the_thresholds_auditors_read(ephemeral, tmp_path):
    from policies.builtins import catalog
    from policies.profiles import PROFILES

    for profile in PROFILES.values():
        assert set(profile.skipped) <= set(catalog()), sorted(set(profile.skipped) - set(catalog()))
    assert {name: p.threshold for name, p in PROFILES.items()} == {"ephemeral": "medium", "production": "low"}
    assert main(["check", str(ephemeral.outdir), "--out", str(tmp_path)]) == 0
    document = json.loads((tmp_path / "findings.json").read_text())
    assert document["thresholds"] == {"ephemeral": "medium", "production": "low"}
    assert {s["check_id"] for s in document["skipped_checks"]} == set(PROFILES["ephemeral"].skipped)
    replaced = {(r["check_id"], tuple(r["by"])) for r in document["replaced_checks"]}
    assert ("CKV_AWS_109", ("KMS-POL-001",)) in replaced and ("CKV_AWS_24", ("NET-SG-001",)) in replaced


def test_unknown_profiles_are_refused_in_one_line(tmp_path):
    with pytest.raises(ValueError, match="profile 'staging': expected one of ephemeral, production"):
        Guardrails("staging")
