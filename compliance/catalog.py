"""The control catalog: controls, the rules that enforce them, and their framework mappings (schema-checked)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from policies.curation import checkov_policy
from policies.rulebook import all_rules

CATALOG = Path(__file__).resolve().parent / "catalog.yaml"
SCHEMA = Path(__file__).resolve().parent / "schemas" / "catalog.schema.json"
FRAMEWORKS = ("iec62443", "nist80053", "securityhub", "config")


class CatalogError(ValueError):
    """The catalog is malformed or names a rule that does not exist."""


@dataclass(frozen=True)
class Control:
    id: str
    title: str
    objective: str
    rules: tuple[str, ...]
    mappings: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class Catalog:
    frameworks: dict[str, str]
    controls: tuple[Control, ...]

    def controls_for(self, rule_id: str) -> list[str]:
        return [c.id for c in self.controls if rule_id in c.rules]

    def control(self, control_id: str) -> Control:
        return next(c for c in self.controls if c.id == control_id)


def known_rule_ids() -> set[str]:
    policy = checkov_policy()
    return {r.id for r in all_rules()} | set(policy.get("enforced") or {}) | set(policy.get("suppressible") or {})


def parse_catalog(document: Any, source: str = "catalog") -> Catalog:
    errors = sorted(jsonschema.Draft202012Validator(_schema()).iter_errors(document), key=lambda e: list(e.path))
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path) or "(top level)"
        raise CatalogError(f"{source}: invalid at {where}: {first.message}")
    controls = tuple(
        Control(c["id"], c["title"], c["objective"], tuple(c["rules"]), {k: tuple(v) for k, v in c["mappings"].items()})
        for c in document["controls"]
    )
    ids = [c.id for c in controls]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise CatalogError(f"{source}: duplicate control ids {', '.join(duplicates)}")
    known = known_rule_ids()
    for control in controls:
        dangling = [r for r in control.rules if r not in known]
        if dangling:
            raise CatalogError(
                f"{source}: control {control.id} names unknown rule(s) {', '.join(dangling)}; use an id from "
                "policies/rules/ or policies/checkov_policy.yaml (enforced or suppressible)"
            )
    return Catalog(dict(document["frameworks"]), controls)


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
