"""The rulebook: policies/rules/<service>/<rule>.py, each exporting RULE, with its fixtures in <rule>_fixtures.py,
the relations of our rules to Checkov's built-ins that the rules declare (`covers`, `replaces`), and docs/rules.md
generated from them and the catalog (`rules_page`, one function per section).

To add a rule: write policies/rules/<service>/<name>.py with `RULE = Rule(...)` and
policies/rules/<service>/<name>_fixtures.py with FAIL (>= 5 forms) and PASS (>= 3 forms, AWS's recommended form
among them, marked with its `source`); then add the rule id to a control in compliance/catalog.yaml.
tests/policies/test_rules.py finds both and refuses a rule with fewer forms.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING

from policies import rules as rules_package
from policies.model import CATEGORIES, Replacement, Rule

if TYPE_CHECKING:
    from policies.catalog import Catalog

FIXTURES_SUFFIX = "_fixtures"


def rule_modules() -> list[str]:
    """Dotted names of every rule module, in service then file-name order."""
    names = []
    for service in sorted(pkgutil.iter_modules(rules_package.__path__), key=lambda m: m.name):
        if not service.ispkg:
            raise TypeError(f"policies/rules/{service.name}.py: rules live in policies/rules/<service>/<rule>.py")
        package = importlib.import_module(f"policies.rules.{service.name}")
        for module in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
            if not module.name.endswith(FIXTURES_SUFFIX):
                names.append(f"policies.rules.{service.name}.{module.name}")
    return names


_MODULE_OF: dict[str, str] = {}


@cache
def all_rules() -> tuple[Rule, ...]:
    found = []
    for name in rule_modules():
        rule = getattr(importlib.import_module(name), "RULE", None)
        if not isinstance(rule, Rule):
            raise TypeError(f"{name.replace('.', '/')}.py defines no RULE")
        found.append(rule)
        _MODULE_OF[rule.id] = name
    ids = [r.id for r in found]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError("duplicate rule ids: " + ", ".join(duplicates))
    return tuple(found)


def rule_by_id(rule_id: str) -> Rule | None:
    return next((r for r in all_rules() if r.id == rule_id), None)


def rule_module(rule: Rule) -> str:
    """The module that defines the rule's RULE (not where its check function lives)."""
    all_rules()
    return _MODULE_OF.get(rule.id, rule.check.__module__)


def fixtures_module(rule: Rule) -> ModuleType | None:
    """The rule's <rule>_fixtures module, or None when it has none."""
    try:
        return importlib.import_module(rule_module(rule) + FIXTURES_SUFFIX)
    except ModuleNotFoundError:
        return None


@cache
def twins() -> dict[str, tuple[str, ...]]:
    """Built-in id -> the rules that cover it (Rule.covers)."""
    found: dict[str, list[str]] = {}
    for rule in all_rules():
        for check_id in rule.covers:
            found.setdefault(check_id, []).append(rule.id)
    return {k: tuple(v) for k, v in found.items()}


@cache
def replacements() -> dict[str, tuple[tuple[Replacement, str], ...]]:
    """Built-in id -> (replacement, the rule that declares it) for every built-in a rule replaces on some types."""
    found: dict[str, list[tuple[Replacement, str]]] = {}
    for rule in all_rules():
        for replacement in rule.replaces:
            for check_id in replacement.checks:
                found.setdefault(check_id, []).append((replacement, rule.id))
    return {k: tuple(v) for k, v in found.items()}


def relied_on() -> set[str]:
    """The built-ins our rules cover or replace: a check of these may not be skipped in every profile."""
    return set(twins()) | set(replacements())


def rules_page() -> str:
    """docs/rules.md, one section per function of PAGE_SECTIONS (each takes the catalog, returns its lines). Written
    by `python -m policies.rulebook`; tests/docs hold the committed page equal to this."""
    from policies.catalog import default_catalog

    catalog = default_catalog()
    return "\n\n".join("\n".join(section(catalog)) for section in PAGE_SECTIONS) + "\n"


def rules_section(catalog: Catalog) -> list[str]:
    """Every rule with its severity, category, profiles, controls and the built-ins it covers or replaces."""
    from policies.profiles import PROFILES

    lines = [
        "# Rules",
        "",
        "Generated from `policies/rules/` and `compliance/catalog.yaml` by `python -m policies.rulebook`; a test holds",
        "this page equal to them. Every rule maps to a control; a finding fails at or above the profile's threshold",
        "(" + ", ".join(f"{p.name}: {p.threshold}" for p in PROFILES.values()) + ") and warns below it.",
        "",
        "| rule | title | severity | category | profiles | controls | covers (folded) | replaces (waived) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for rule in sorted(all_rules(), key=lambda r: (CATEGORIES.index(r.category), r.id)):
        replaced = "; ".join(f"{', '.join(r.checks)} on {', '.join(r.types)}" for r in rule.replaces)
        lines.append(
            f"| {rule.id} | {rule.title} | {rule.severity} | {rule.category} | "
            f"{', '.join(rule.profiles) or 'all'} | {', '.join(catalog.controls_for(rule.id))} | "
            f"{', '.join(rule.covers) or '-'} | {replaced or '-'} |"
        )
    return lines


def controls_section(catalog: Catalog) -> list[str]:
    """Every control with its category, severity, rules, number of built-ins and the frameworks it maps to."""
    lines = [
        "# Controls",
        "",
        "Each control, its category (where reports show its Checkov built-ins), the severity of its built-ins, and",
        "its identifiers in IEC 62443-3-3, NIST SP 800-53 r5, AWS Security Hub and AWS Config.",
        "",
        "| control | title | category | severity | rules | built-ins | IEC 62443-3-3 | NIST 800-53 | Security Hub "
        "| AWS Config |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for control in catalog.controls:
        m = control.mappings
        lines.append(
            f"| {control.id} | {control.title} | {control.category} | {control.severity} | "
            f"{', '.join(control.rules) or '-'} | {len(control.checkov)} | {', '.join(m['iec62443'])} | "
            f"{', '.join(m['nist80053'])} | {', '.join(m['securityhub']) or '-'} | {', '.join(m['config']) or '-'} |"
        )
    return lines


def resource_policies_section(catalog: Catalog) -> list[str]:
    """The resource policies the rules read (policies/iam/sources.py), the grants written as resources, and the
    policy-holding types no rule reads, with why: a section of docs/rules.md."""
    from policies.iam.sources import KEY_POLICY_TYPES, NOT_READ, RESOURCE_POLICIES, RESOURCE_TYPES

    grants = sorted(set(rule_by_id("IAM-PUB-001").resource_types) - set(RESOURCE_TYPES) - {"aws_iam_role"})
    return [
        "# Resource policies",
        "",
        f"The {len(RESOURCE_POLICIES)} resource types of the AWS provider (5.100) that hold a resource policy, and "
        "the attribute it is",
        "read from (tests/policies/test_resource_policies.py holds this list equal to the provider's cdktf bindings).",
        "IAM-PUB-001 judges each for public principals, IAM-LP-001 for wildcard actions, IAM-XACCT-001 for other",
        f"accounts (key policies: KMS-POL-001, on {', '.join(rule_by_id('KMS-POL-001').resource_types)}).",
        f"IAM-PUB-001 also reads the grants written as resources: {', '.join(grants)}.",
        "",
        "| type | attribute | kind |",
        "|---|---|---|",
        *(
            f"| {rtype} | {attribute} | {'key policy' if rtype in KEY_POLICY_TYPES else 'resource policy'} |"
            for rtype, attribute in sorted(RESOURCE_POLICIES.items())
        ),
        "",
        "Types whose policy-named attribute no rule reads as a permission document, and why:",
        "",
        "| type | why not |",
        "|---|---|",
        *(f"| {rtype} | {why} |" for rtype, why in sorted(NOT_READ.items())),
    ]


def classification_section(catalog: Catalog) -> list[str]:
    """How many of Checkov's AWS built-ins each control and `warnings` hold, then the ids under each control."""
    from policies import builtins

    known = builtins.catalog()
    aws = {i for i, b in known.items() if b.aws}
    rows = [(c.id, c.severity, [i for i in c.checkov if i in aws]) for c in catalog.controls]
    rows.append(("warnings", "never fails", [i for i in catalog.warnings if i in aws]))
    unclassified = catalog.unclassified(known.values())
    if unclassified:
        rows.append(("classified nowhere", "warns: maps to no control", unclassified))
    return [
        "# Checkov built-ins",
        "",
        "Every AWS built-in of the installed Checkov is classified once in `compliance/catalog.yaml`, by what it",
        "checks rather than the category Checkov files it under: under a control (it fails at the profile's threshold,",
        "with the control's severity) or under `warnings` (it warns with its reason and never fails). A built-in",
        "nobody classified warns that it maps to no control, and tests/policies/test_catalog.py fails naming it.",
        "",
        "| classification | severity | AWS built-ins |",
        "|---|---|---|",
        *(f"| {name} | {severity} | {len(ids)} |" for name, severity, ids in rows),
        f"| total | | {sum(len(ids) for _, _, ids in rows)} |",
        "",
        "## Under each control",
        "",
        "| control | built-ins |",
        "|---|---|",
        *(f"| {c.id} | {', '.join(c.checkov) or '-'} |" for c in catalog.controls),
    ]


def warnings_section(catalog: Catalog) -> list[str]:
    """Every built-in classified under `warnings`, what Checkov says it checks, and why it only warns."""
    from policies import builtins

    known = builtins.catalog()
    lines = [
        "## Warnings",
        "",
        "| built-in | what it checks (Checkov's name) | why it only warns |",
        "|---|---|---|",
    ]
    for check_id, reason in catalog.warnings.items():
        name = known[check_id].name if check_id in known else check_id
        lines.append(f"| {check_id} | {_cell(name)} | {_cell(reason)} |")
    return lines


def _cell(text: str) -> str:
    """Text for one Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")


PAGE_SECTIONS: tuple[Callable[[Catalog], list[str]], ...] = (
    rules_section,
    controls_section,
    resource_policies_section,
    classification_section,
    warnings_section,
)


RULES_PAGE = "docs/rules.md"

if __name__ == "__main__":
    from pathlib import Path

    target = Path(__file__).resolve().parent.parent / RULES_PAGE
    target.parent.mkdir(exist_ok=True)
    target.write_text(rules_page())
    print(f"wrote {target}")
