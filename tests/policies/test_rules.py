"""Every rule fires on each of its failing forms and stays quiet on each passing form: in the engine, judged as a
stack pinning AWS provider 5.100 and as one pinning 6.x wherever the form exists in that provider (its tables say
so), with the subject moved to another region by provider 6's own `region` argument, and its provider 6 forms
(<rule>_provider6_fixtures.py: the upgrade guide's changes on what the rule reads); and in the Aspect at synth (with
Checkov's built-ins beside it), on the configuration installed: cdktf 0.21 + 5.100, or cdktn + 6.x. A rule needs
>= 5 failing and >= 3 passing forms."""

from __future__ import annotations

import pytest

from policies.engine import judge
from policies.model import StackView
from policies.provider_tables import MAJORS
from policies.rulebook import all_rules, rule_by_id
from tests.policies.fixture_forms import (
    CASES,
    FORMS,
    INSTALLED_MAJOR,
    MIN_FAIL,
    MIN_PASS,
    PROVIDER6,
    PROVIDER6_CASES,
    SOURCES,
    exists_in,
    in_another_region,
    pinned,
    profile_of,
    subject_key,
)

ENGINE_CASES = [
    (source, rule_id, kind, index, major)
    for source, cases in (("forms", CASES), ("provider6", PROVIDER6_CASES))
    for rule_id, kind, index in cases
    for major in MAJORS
    if exists_in(SOURCES[source][rule_id][kind][index].document, major)
]
TWIN_CASES = [case for case in CASES if exists_in(FORMS[case[0]][case[1]][case[2]].document, 6)]
ASPECT_CASES = [("forms", *case) for case in CASES] + [("provider6", *case) for case in PROVIDER6_CASES]


def test_every_rule_has_enough_forms_and_an_aws_recommended_one():
    short = {r.id: (len(FORMS[r.id]["fail"]), len(FORMS[r.id]["pass"])) for r in all_rules()}
    short = {k: v for k, v in short.items() if v[0] < MIN_FAIL or v[1] < MIN_PASS}
    assert not short, f"rules with fewer than {MIN_FAIL} failing / {MIN_PASS} passing forms: {short}"
    unsourced = [r.id for r in all_rules() if not any(f.source for f in FORMS[r.id]["pass"])]
    assert not unsourced, f"rules without an AWS-recommended passing form (Form.source): {unsourced}"


def test_provider6_forms_are_provider_6_terraform_and_cite_their_page():
    """Written as a provider 6 user writes them (some are valid 5.100 too: the engine judges them in both)."""
    for rule_id, kinds in PROVIDER6.items():
        for form in kinds["fail"] + kinds["pass"]:
            assert exists_in(form.document, 6), f"{rule_id} {form.form}: provider 6 refuses it"
        if kinds["pass"]:
            assert any(f.source for f in kinds["pass"]), f"{rule_id}: no provider 6 passing form cites its page"


def _expect(rule_id, kind, form, document, major=None):
    view = StackView(document, "fixture")
    mode, rtype, name = subject_key(form)
    resource = view.get(rtype, name, mode)
    assert resource is not None, f"{form.subject} is not in the fixture"
    outcome = judge(rule_by_id(rule_id), resource, view, profile_of(rule_id, form))
    assert outcome is not None, f"{rule_id} did not evaluate {form.subject} ({form.form}, provider {major})"
    expected = ("failed",) if kind == "fail" else ("passed", "waived")
    assert outcome.status in expected, f"{form.form} (provider {major}): {outcome.message}"


@pytest.mark.parametrize(
    ("source", "rule_id", "kind", "index", "major"), ENGINE_CASES, ids=["-".join(map(str, c)) for c in ENGINE_CASES]
)
def test_engine(source, rule_id, kind, index, major):
    form = SOURCES[source][rule_id][kind][index]
    _expect(rule_id, kind, form, pinned(form.document, major), major)


@pytest.mark.parametrize(("rule_id", "kind", "index"), TWIN_CASES, ids=[f"{r}-{k}-{i}" for r, k, i in TWIN_CASES])
def test_engine_with_the_subject_in_another_region_by_its_own_region_argument(rule_id, kind, index):
    """Provider 6's per-resource `region` (the upgrade guide's "Enhanced Region Support") changes no verdict."""
    form = FORMS[rule_id][kind][index]
    twin = in_another_region(form)
    if twin is None:
        pytest.skip(f"{form.subject} takes no region argument in provider 6, or sets one")
    _expect(rule_id, kind, form, pinned(twin, 6), 6)


@pytest.mark.parametrize(
    ("source", "rule_id", "kind", "index"), ASPECT_CASES, ids=["-".join(map(str, c)) for c in ASPECT_CASES]
)
def test_aspect(source, rule_id, kind, index, tmp_path):
    """cdktf stops synth at the first stack with errors, so each form is its own app (jsii loads once). The form is
    pinned to the installed configuration's provider, where it exists there."""
    from tests.fixture_stacks import aspect_findings

    form = SOURCES[source][rule_id][kind][index]
    if not exists_in(form.document, INSTALLED_MAJOR):
        pytest.skip(f"the form does not exist in AWS provider {INSTALLED_MAJOR} (judged in the other configuration)")
    document = pinned(form.document, INSTALLED_MAJOR)
    findings, failure = aspect_findings(document, str(tmp_path), profile_of(rule_id, form))
    raw, stack = (failure.raw if failure else ""), "fixture"
    mine = [f for f in findings if f.id == rule_id and f.address == form.subject]
    assert mine, f"{rule_id} did not evaluate {form.subject} at synth"
    if kind == "fail":
        # Every rule maps to a control and is medium or above: it fails synth in both profiles.
        assert mine[0].status == "failed", mine[0].message
        assert f"FAIL {rule_id} [" in raw and f"{stack}/" in raw, "a failing finding must make synth fail"
    else:
        assert mine[0].status in ("passed", "waived"), mine[0].message
