"""Every rule fires on its failing fixtures and stays quiet on its passing ones, in the Aspect and in Checkov."""

from __future__ import annotations

import json

import pytest

from compliance.gate import run_checkov
from policies.fixtures import FIXTURES
from policies.rulebook import all_rules, rule_by_id
from tests.fixture_stacks import aspect_findings

CASES = [
    pytest.param(rule_id, kind, index, id=f"{rule_id}-{kind}-{index}")
    for rule_id, kinds in sorted(FIXTURES.items())
    for kind in ("fail", "pass")
    for index in range(len(kinds[kind]))
]


def test_every_rule_has_a_failing_and_a_passing_fixture():
    ids = {r.id for r in all_rules()}
    missing = sorted(i for i in ids if not (FIXTURES.get(i, {}).get("fail") and FIXTURES.get(i, {}).get("pass")))
    assert not missing, f"rules without a failing and a passing fixture: {missing}"
    assert not set(FIXTURES) - ids, f"fixtures for unknown rules: {sorted(set(FIXTURES) - ids)}"


@pytest.mark.parametrize(("rule_id", "kind", "index"), CASES)
def test_aspect(rule_id, kind, index, tmp_path):
    rule = rule_by_id(rule_id)
    subject, document = FIXTURES[rule_id][kind][index]
    findings, failure = aspect_findings(document, str(tmp_path), rule.profiles[0])
    mine = [f for f in findings if f.rule.id == rule_id and f.resource.address == subject]
    assert mine, f"{rule_id} did not evaluate {subject}"
    if kind == "fail":
        assert mine[0].status == "failed", mine[0].message
        if rule.severity in ("critical", "high"):
            assert failure is not None and rule_id in failure.raw, "an error-level rule must make synth fail"
    else:
        assert mine[0].status == "passed", mine[0].message


@pytest.mark.parametrize(("rule_id", "kind", "index"), CASES)
def test_checkov(rule_id, kind, index, tmp_path):
    rule = rule_by_id(rule_id)
    subject, document = FIXTURES[rule_id][kind][index]
    stack_dir = tmp_path / "stacks" / "fixture"
    stack_dir.mkdir(parents=True)
    (stack_dir / "cdk.tf.json").write_text(json.dumps(document))
    report = run_checkov(stack_dir, rule.profiles[0], skip=[], only=[rule_id])
    name = subject.split(".")[-1]
    failed = [r for r in report.failed_checks if r.check_id == rule_id and r.resource.endswith("." + name)]
    passed = [r for r in report.passed_checks if r.check_id == rule_id and r.resource.endswith("." + name)]
    if kind == "fail":
        assert failed and not passed, f"Checkov {rule_id} did not fail {subject}"
    else:
        assert passed and not failed, f"Checkov {rule_id} did not pass {subject}"
