"""Every rule's fixture forms, collected from policies/rules/<service>/<rule>_fixtures.py."""

from __future__ import annotations

from policies.fixtures import Form
from policies.profiles import PROFILE_NAMES
from policies.rulebook import all_rules, fixtures_module, rule_by_id

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


def subject_key(form: Form) -> tuple[str, str, str]:
    """(mode, type, name) of the resource a form is about: `aws_x.n`, `data.aws_x.n` or `module.n`."""
    parts = form.subject.split(".")
    if parts[0] == "module":
        return "module", "module", parts[1]
    return ("data", parts[1], parts[2]) if parts[0] == "data" else ("resource", parts[0], parts[1])


def profile_of(rule_id: str, form: Form) -> str:
    """The profile a form is judged in: its own, else the first its rule judges."""
    return form.profile or (rule_by_id(rule_id).profiles or PROFILE_NAMES)[0]
