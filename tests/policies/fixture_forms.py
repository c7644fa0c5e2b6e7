"""Every rule's fixture forms, collected from policies/rules/<service>/<rule>_fixtures.py, and its AWS provider 6
forms from <rule>_provider6_fixtures.py; each form pinned to a provider major, where it exists there."""

from __future__ import annotations

import copy
import importlib
from typing import Any

from policies.fixtures import Form
from policies.framework import installed
from policies.profiles import PROFILE_NAMES
from policies.provider_tables import MAJORS, refused, tables
from policies.rulebook import all_rules, fixtures_module, rule_by_id, rule_module

MIN_FAIL, MIN_PASS = 5, 3
PROVIDER6_SUFFIX = "_provider6_fixtures"
PINS = {major: tables(major).provider.split()[-1] for major in MAJORS}  # 5.100.0, 6.69.1
# The major of the configuration these tests run in: cdktf 0.21 + provider 5.100, or cdktn + provider 6.x
INSTALLED_MAJOR = {"cdktf": 5, "cdktn": 6}[installed().name]


def _collect(module_of) -> dict[str, dict[str, list[Form]]]:
    found = {}
    for rule in all_rules():
        module = module_of(rule)
        found[rule.id] = {
            "fail": list(getattr(module, "FAIL", []) if module else []),
            "pass": list(getattr(module, "PASS", []) if module else []),
        }
    return found


def _provider6_module(rule):
    try:
        return importlib.import_module(rule_module(rule) + PROVIDER6_SUFFIX)
    except ModuleNotFoundError:
        return None


FORMS = _collect(fixtures_module)
PROVIDER6 = _collect(_provider6_module)  # forms that exist only from AWS provider 6 on
SOURCES = {"forms": FORMS, "provider6": PROVIDER6}
CASES = [
    (rule_id, kind, index)
    for rule_id, kinds in sorted(FORMS.items())
    for kind in ("fail", "pass")
    for index in range(len(kinds[kind]))
]
PROVIDER6_CASES = [
    (rule_id, kind, index)
    for rule_id, kinds in sorted(PROVIDER6.items())
    for kind in ("fail", "pass")
    for index in range(len(kinds[kind]))
]


def pinned(document: dict[str, Any], major: int) -> dict[str, Any]:
    """The form as a stack pinning AWS provider `major` (the version its bindings wrap) writes it."""
    out = copy.deepcopy(document)
    out.setdefault("terraform", {}).setdefault("required_providers", {})["aws"] = {
        "source": "hashicorp/aws",
        "version": PINS[major],
    }
    return out


def exists_in(document: dict[str, Any], major: int) -> bool:
    """Every resource type and argument the form writes is one provider `major` has (its table says so)."""
    table = tables(major)
    for mode in ("resource", "data"):
        for rtype in document.get(mode) or {}:
            if rtype.startswith("aws_") and table.arguments(rtype, mode) is None:
                return False
    return not refused(pinned(document, major))


def subject_key(form: Form) -> tuple[str, str, str]:
    """(mode, type, name) of the resource a form is about: `aws_x.n`, `data.aws_x.n` or `module.n`."""
    parts = form.subject.split(".")
    if parts[0] == "module":
        return "module", "module", parts[1]
    return ("data", parts[1], parts[2]) if parts[0] == "data" else ("resource", parts[0], parts[1])


def in_another_region(form: Form) -> dict[str, Any] | None:
    """The form with its subject placed in another region by provider 6's per-resource `region` argument (None
    when the subject takes no region or sets one)."""
    mode, rtype, name = subject_key(form)
    accepted = tables(6).arguments(rtype, mode)
    config = ((form.document.get(mode) or {}).get(rtype) or {}).get(name)
    if accepted is None or "region" not in accepted or not isinstance(config, dict) or "region" in config:
        return None
    twin = copy.deepcopy(form.document)
    twin[mode][rtype][name]["region"] = "eu-west-1"
    return twin


def profile_of(rule_id: str, form: Form) -> str:
    """The profile a form is judged in: its own, else the first its rule judges."""
    return form.profile or (rule_by_id(rule_id).profiles or PROFILE_NAMES)[0]
