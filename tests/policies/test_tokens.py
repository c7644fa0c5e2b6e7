"""A rule never raises on a token: every string, number and boolean a fixture's subject holds, replaced by a value
only Terraform can evaluate (a variable, a function call, a local), is judged by every rule that reads the
resource, and ends passed, failed or waived, never in the fail-closed message a rule bug gets. A rule that must
compare the value fails closed saying which value it could not read and how to make it readable: where the rule
passed the form and fails it with the token, the failure names the token or the field.

Every fixture's subject is tried in every field with each token: exhaustive over the fixtures, not sampled."""

from __future__ import annotations

import copy

import pytest

from policies.engine import judge
from policies.model import StackView
from policies.rulebook import all_rules
from tests.policies.fixture_forms import CASES, FORMS, profile_of, subject_key

TOKENS = ("${var.input}", '${lookup(local.settings, "key", 7)}')
BUG = "could not evaluate this resource"
SECTION = {"resource": "resource", "data": "data", "module": "module"}


def _leaves(value, path=()):
    if isinstance(value, dict):
        for key, item in value.items():
            if key != "//":
                yield from _leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, (*path, index))
    elif path:
        yield path


def _replaced(config, path, token):
    changed = copy.deepcopy(config)
    node = changed
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = token
    return changed


@pytest.mark.parametrize(("rule_id", "kind", "index"), CASES, ids=[f"{r}-{k}-{i}" for r, k, i in CASES])
def test_no_rule_raises_on_a_token_in_any_field(rule_id, kind, index):
    form = FORMS[rule_id][kind][index]
    mode, rtype, name = subject_key(form)
    section = SECTION[mode]
    config = form.document[section][name] if mode == "module" else form.document[section][rtype][name]
    profile = profile_of(rule_id, form)
    rules = [r for r in all_rules() if mode in r.modes and ("*" in r.resource_types or rtype in r.resource_types)]
    view = StackView(form.document, "fixture")
    before = {r.id: judge(r, view.get(rtype, name, mode), view, profile) for r in rules}
    broken, unnamed = [], []
    for path in _leaves(config):
        for token in TOKENS:
            document = copy.deepcopy(form.document)
            holder = document[section] if mode == "module" else document[section][rtype]
            holder[name] = _replaced(config, path, token)
            view = StackView(document, "fixture")
            subject = view.get(rtype, name, mode)
            for rule in rules:
                outcome = judge(rule, subject, view, profile)
                if outcome is not None and BUG in outcome.message:
                    broken.append((rule.id, path, token, outcome.message[:200]))
                was = before[rule.id]
                newly = outcome is not None and was is not None and (was.status, outcome.status) == ("passed", "failed")
                # the token is the only change: the new failure must say what it could not read
                if newly and token not in outcome.message and str(path[-1]) not in outcome.message:
                    unnamed.append((rule.id, path, token, outcome.message[:200]))
    assert not broken, broken[:5]
    assert not unnamed, unnamed[:5]
