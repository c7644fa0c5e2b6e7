"""Every rule fires on each of its failing forms and stays quiet on each passing form: in the engine, and in the
Aspect at synth (with Checkov's built-ins beside it). A rule needs >= 5 failing and >= 3 passing forms."""

from __future__ import annotations

import pytest

from policies.engine import judge
from policies.model import StackView
from policies.rulebook import all_rules, rule_by_id
from tests.policies.fixture_forms import CASES, FORMS, MIN_FAIL, MIN_PASS, profile_of, subject_key


def test_every_rule_has_enough_forms_and_an_aws_recommended_one():
    short = {r.id: (len(FORMS[r.id]["fail"]), len(FORMS[r.id]["pass"])) for r in all_rules()}
    short = {k: v for k, v in short.items() if v[0] < MIN_FAIL or v[1] < MIN_PASS}
    assert not short, f"rules with fewer than {MIN_FAIL} failing / {MIN_PASS} passing forms: {short}"
    unsourced = [r.id for r in all_rules() if not any(f.source for f in FORMS[r.id]["pass"])]
    assert not unsourced, f"rules without an AWS-recommended passing form (Form.source): {unsourced}"


def _subject(form):
    view = StackView(form.document, "fixture")
    mode, rtype, name = subject_key(form)
    return view, view.get(rtype, name, mode)


@pytest.mark.parametrize(("rule_id", "kind", "index"), CASES, ids=[f"{r}-{k}-{i}" for r, k, i in CASES])
def test_engine(rule_id, kind, index):
    rule = rule_by_id(rule_id)
    form = FORMS[rule_id][kind][index]
    view, resource = _subject(form)
    assert resource is not None, f"{form.subject} is not in the fixture"
    outcome = judge(rule, resource, view, profile_of(rule_id, form))
    assert outcome is not None, f"{rule_id} did not evaluate {form.subject} ({form.form})"
    expected = ("failed",) if kind == "fail" else ("passed", "waived")
    assert outcome.status in expected, f"{form.form}: {outcome.message}"


@pytest.mark.parametrize(("rule_id", "kind", "index"), CASES, ids=[f"{r}-{k}-{i}" for r, k, i in CASES])
def test_aspect(rule_id, kind, index, tmp_path):
    """cdktf stops synth at the first stack with errors, so each form is its own app (jsii loads once)."""
    from tests.fixture_stacks import aspect_findings

    form = FORMS[rule_id][kind][index]
    findings, failure = aspect_findings(form.document, str(tmp_path), profile_of(rule_id, form))
    raw, stack = (failure.raw if failure else ""), "fixture"
    mine = [f for f in findings if f.id == rule_id and f.address == form.subject]
    assert mine, f"{rule_id} did not evaluate {form.subject} at synth"
    if kind == "fail":
        # Every rule maps to a control and is medium or above: it fails synth in both profiles.
        assert mine[0].status == "failed", mine[0].message
        assert f"FAIL {rule_id} [" in raw and f"{stack}/" in raw, "a failing finding must make synth fail"
    else:
        assert mine[0].status in ("passed", "waived"), mine[0].message
