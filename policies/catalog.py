"""The control catalog (compliance/catalog.yaml, read as data): each control, its category and severity, the rules and
built-ins that enforce it, and where auditors find it in IEC 62443-3-3, NIST SP 800-53 r5, AWS Security Hub and
AWS Config; and `warnings`, the built-ins classified as hygiene or outside the mission, each with its reason. Both
engines read it to decide what fails: a finding fails when it maps to a control (and is at or above the profile's
threshold); a built-in under `warnings` only warns, with its reason. Schema-checked
(compliance/schemas/catalog.schema.json)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonschema_rs
import yaml

from policies.model import CATEGORIES, SEVERITIES
from policies.rulebook import all_rules

if TYPE_CHECKING:
    from policies.builtins import Builtin

COMPLIANCE = Path(__file__).resolve().parent.parent / "compliance"
CATALOG = COMPLIANCE / "catalog.yaml"
SCHEMA = COMPLIANCE / "schemas" / "catalog.schema.json"
FRAMEWORKS = ("iec62443", "nist80053", "securityhub", "config")


class CatalogError(ValueError):
    """The catalog is malformed or names a rule that does not exist."""


@dataclass(frozen=True)
class Control:
    id: str
    title: str
    objective: str
    rules: tuple[str, ...]  # ours
    checkov: tuple[str, ...]  # Checkov built-ins
    severity: str  # of a failed built-in of this control
    category: str  # one of policies.model.CATEGORIES: how reports group its built-ins
    mappings: dict[str, tuple[str, ...]]

    @property
    def enforced_by(self) -> tuple[str, ...]:
        return self.rules + self.checkov


@dataclass(frozen=True)
class Catalog:
    frameworks: dict[str, str]
    controls: tuple[Control, ...]
    warnings: dict[str, str] = field(default_factory=dict)  # built-in id -> why it warns and never fails
    by_rule: dict[str, tuple[str, ...]] = field(default_factory=dict, init=False, compare=False)  # id -> controls

    def controls_for(self, rule_id: str) -> list[str]:
        """The controls a rule of ours or a Checkov built-in enforces."""
        return list(self.by_rule.get(rule_id, ()))

    def warning_reason(self, check_id: str) -> str | None:
        """Why a built-in classified under `warnings` is not a control's (None when it is not listed there)."""
        return self.warnings.get(check_id)

    def unclassified(self, builtins: Iterable[Builtin]) -> list[str]:
        """The AWS built-ins among these that are classified nowhere (under no control, not in `warnings`)."""
        return sorted(b.id for b in builtins if b.aws and b.id not in self.by_rule and b.id not in self.warnings)

    def _first(self, check_id: str) -> Control | None:
        """Of the controls a check maps to, the one of highest severity (the first in the catalog among equals)."""
        controls = [self.control(c) for c in self.controls_for(check_id)]
        return min(controls, key=lambda c: SEVERITIES.index(c.severity)) if controls else None

    def severity_of(self, check_id: str) -> str | None:
        """A built-in's severity: the highest of its controls' (None when it maps to no control)."""
        control = self._first(check_id)
        return control.severity if control else None

    def category_of(self, check_id: str) -> str | None:
        """A built-in's category: that of its control of highest severity (None when it maps to no control)."""
        control = self._first(check_id)
        return control.category if control else None

    def __post_init__(self) -> None:
        found: dict[str, list[str]] = {}
        for control in self.controls:
            for rule_id in control.enforced_by:
                found.setdefault(rule_id, []).append(control.id)
        object.__setattr__(self, "by_rule", {k: tuple(v) for k, v in found.items()})

    def control(self, control_id: str) -> Control:
        return next(c for c in self.controls if c.id == control_id)


def known_builtin_ids() -> set[str]:
    from policies.builtins import catalog

    return set(catalog())


def schema_errors(validator: Any, document: Any) -> tuple[str, int]:
    """(where and what of the first error, how many), or ("", 0): jsonschema-rs, Draft 2020-12."""
    errors = sorted(validator.iter_errors(document), key=lambda e: [str(p) for p in e.instance_path])
    if not errors:
        return "", 0
    where = "/".join(str(p) for p in errors[0].instance_path) or "(top level)"
    return f"{where}: {errors[0].message}", len(errors)


def parse_catalog(document: Any, source: str = "catalog") -> Catalog:
    first, count = schema_errors(jsonschema_rs.validator_for(_schema()), document)
    if count:
        raise CatalogError(f"{source}: invalid at {first}")
    controls = tuple(
        Control(
            c["id"],
            c["title"],
            c["objective"],
            tuple(c["rules"]),
            tuple(c["checkov"]),
            c["severity"],
            c["category"],
            {k: tuple(v) for k, v in c["mappings"].items()},
        )
        for c in document["controls"]
    )
    ids = [c.id for c in controls]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise CatalogError(f"{source}: duplicate control ids {', '.join(duplicates)}")
    for control in controls:
        if control.category not in CATEGORIES:
            raise CatalogError(
                f"{source}: control {control.id} has category {control.category!r}; expected one of "
                + ", ".join(CATEGORIES)
            )
    ours = {r.id for r in all_rules()}
    warnings = dict(document.get("warnings") or {})
    builtins = known_builtin_ids() if warnings or any(c.checkov for c in controls) else set()
    for control in controls:
        dangling = [r for r in control.rules if r not in ours]
        if dangling:
            raise CatalogError(
                f"{source}: control {control.id} names unknown rule(s) {', '.join(dangling)}; `rules` take the ids "
                "of policies/rules/ (RULE.id), `checkov` the ids of Checkov's built-in checks"
            )
        dangling = [r for r in control.checkov if r not in builtins]
        if dangling:
            raise CatalogError(
                f"{source}: control {control.id} names unknown Checkov check(s) {', '.join(dangling)} "
                "(not built into the installed Checkov)"
            )
    dangling = sorted(w for w in warnings if w not in builtins)
    if dangling:
        raise CatalogError(
            f"{source}: warnings names unknown Checkov check(s) {', '.join(dangling)} (not built into the installed "
            "Checkov)"
        )
    catalog = Catalog(dict(document["frameworks"]), controls, warnings)
    both = sorted(w for w in warnings if catalog.controls_for(w))
    if both:
        where = "; ".join(f"{w} under {', '.join(catalog.controls_for(w))}" for w in both)
        raise CatalogError(
            f"{source}: warnings lists built-in(s) a control also lists ({where}); a built-in is classified in one "
            "place: under a control (it fails) or in warnings (it warns)"
        )
    return catalog


@cache
def _schema() -> dict[str, Any]:
    import json

    return json.loads(SCHEMA.read_text())


def load_catalog(path: Path = CATALOG) -> Catalog:
    try:
        document = yaml.safe_load(path.read_text())
    except OSError as error:
        raise CatalogError(f"{path}: cannot read ({error.strerror})") from None
    except yaml.YAMLError as error:
        raise CatalogError(f"{path}: not valid YAML ({str(error).splitlines()[0]})") from None
    return parse_catalog(document, str(path))


@cache
def default_catalog() -> Catalog:
    return load_catalog()
