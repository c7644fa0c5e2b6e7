"""The plain-Checkov adapter (policies/checkov): its verdicts equal the engine's on every fixture, run as people run
it (`checkov -d DIR --external-checks-dir policies/checkov`), and it fails closed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from policies.engine import judge_stack
from policies.model import StackView
from policies.rulebook import all_rules, rule_by_id
from tests.conftest import PROJECT
from tests.policies.fixture_forms import CASES, FORMS
from tests.policies.fixture_forms import profile_of as _profile

EXPECTED = {"failed": "FAILED", "warning": "SKIPPED", "suppressed": "SKIPPED", "waived": "PASSED", "passed": "PASSED"}


def _engine(rule_id, form):
    """The outcome the gate gives the form's rule on its subject (its built-ins aside: plain Checkov runs them)."""
    outcomes = judge_stack(StackView(form.document, "fixture"), [], _profile(rule_id, form))
    return next(o for o in outcomes if o.id == rule_id and o.address == form.subject)


def _checkov(root, profile, checks):
    env = {
        **os.environ,
        "GUARDRAILS_PROFILE": profile,
        "BC_SKIP_MAPPING": "TRUE",
        "CKV_SKIP_PACKAGE_UPDATE_CHECK": "TRUE",
    }
    run = subprocess.run(
        [
            str(Path(sys.executable).parent / "checkov"),
            "-d",
            str(root),
            "--framework",
            "terraform_json",
            "--external-checks-dir",
            str(PROJECT / "policies" / "checkov"),
            "--check",
            ",".join(checks),
            "-o",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
        cwd="/",
    )
    assert run.stdout.strip(), run.stderr[-3000:]
    report = json.loads(run.stdout)
    reports = report if isinstance(report, list) else [report]
    verdicts = {}
    for section, verdict in (("passed_checks", "PASSED"), ("failed_checks", "FAILED"), ("skipped_checks", "SKIPPED")):
        for record in (r for rep in reports for r in rep["results"].get(section, [])):
            name = record["resource"].split(".")[-1]
            verdicts[(record["file_path"].split("/")[1], record["check_id"], name)] = (verdict, record.get("details"))
    return verdicts


@pytest.mark.parametrize("profile", ["ephemeral", "production"])
def test_plain_checkov_verdicts_equal_the_engines_on_every_fixture(tmp_path, profile):
    """Every fixture as its own stack under one folder, one `checkov -d` over all of them: passed, failed and
    skipped are all compared."""
    cases = [(r, k, i) for r, k, i in CASES if _profile(r, FORMS[r][k][i]) == profile]
    for rule_id, kind, index in cases:
        folder = tmp_path / f"{rule_id}-{kind}-{index}"
        folder.mkdir()
        (folder / "cdk.tf.json").write_text(json.dumps(FORMS[rule_id][kind][index].document, indent=2))
    verdicts = _checkov(tmp_path, profile, sorted({r.id for r in all_rules()}))
    wrong = []
    for rule_id, kind, index in cases:
        form = FORMS[rule_id][kind][index]
        finding = _engine(rule_id, form)
        got = verdicts.get((f"{rule_id}-{kind}-{index}", rule_id, form.subject.split(".")[-1]), ("UNKNOWN", None))
        if got[0] != EXPECTED[finding.status]:
            wrong.append((rule_id, kind, index, finding.status, got))
    assert not wrong, wrong[:10]
    assert len(cases) > (100 if profile == "ephemeral" else 10)


def test_the_adapter_fails_closed():
    from checkov.common.models.enums import CheckResult

    from policies.checkov.guardrails_checks import scan_roots, verdict

    rule = rule_by_id("S3-ENC-001")
    result, detail = verdict(rule, "/nowhere/cdk.tf.json:aws_s3_bucket:b", {}, "resource")
    assert result == CheckResult.FAILED and "no scanned stack file holds resource aws_s3_bucket.b" in detail
    os.environ["GUARDRAILS_PROFILE"] = "staging"
    try:
        result, detail = verdict(rule, "/cdk.tf.json:aws_s3_bucket:b", {}, "resource")
    finally:
        del os.environ["GUARDRAILS_PROFILE"]
    assert result == CheckResult.FAILED and "GUARDRAILS_PROFILE='staging'" in detail
    assert scan_roots(["-d", "a", "--directory", "b", "--directory=c"])[:3] == [Path("a"), Path("b"), Path("c")]


def test_the_adapter_refuses_a_file_that_holds_another_resource_of_that_name(tmp_path, monkeypatch):
    """Found by -d root + scanned name, a file must hold this resource, construct path included."""
    from checkov.common.models.enums import CheckResult

    from policies.checkov.guardrails_checks import verdict

    document = {"resource": {"aws_s3_bucket": {"b": {"bucket": "x", "//": {"metadata": {"path": "other/b"}}}}}}
    (tmp_path / "cdk.tf.json").write_text(json.dumps(document))
    monkeypatch.chdir(tmp_path)
    conf = {"//": {"metadata": {"path": "mine/b"}}}
    result, detail = verdict(rule_by_id("S3-ENC-001"), "/cdk.tf.json:aws_s3_bucket:b", conf, "resource")
    assert result == CheckResult.FAILED and "no scanned stack file holds" in detail
