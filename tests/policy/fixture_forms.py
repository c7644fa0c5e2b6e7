"""Every rule's fixture forms, collected from policies/rules/<service>/<rule>_fixtures.py."""

from __future__ import annotations

from policies.fixtures import Form
from policies.rulebook import all_rules, fixtures_module

MIN_FAIL, MIN_PASS = 5, 3


def forms() -> dict[str, dict[str, list[Form]]]:
    found = {}
    for rule in all_rules():
        module = fixtures_module(rule)
        found[rule.id] = {
            "fail": list(getattr(module, "FAIL", []) if module else []),
            "pass": list(getattr(module, "PASS", []) if module else []),
        }
    return found


FORMS = forms()
CASES = [
    (rule_id, kind, index)
    for rule_id, kinds in sorted(FORMS.items())
    for kind in ("fail", "pass")
    for index in range(len(kinds[kind]))
]
