"""The rulebook: every module in policies/rules/ contributes its RULE, in file-name order."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from policies import rules as rules_package
from policies.model import Rule


@cache
def all_rules() -> tuple[Rule, ...]:
    found = []
    for module in sorted(pkgutil.iter_modules(rules_package.__path__), key=lambda m: m.name):
        rule = getattr(importlib.import_module(f"policies.rules.{module.name}"), "RULE", None)
        if not isinstance(rule, Rule):
            raise TypeError(f"policies/rules/{module.name}.py defines no RULE")
        found.append(rule)
    ids = [r.id for r in found]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError("duplicate rule ids: " + ", ".join(duplicates))
    return tuple(found)


def rule_by_id(rule_id: str) -> Rule | None:
    return next((r for r in all_rules() if r.id == rule_id), None)


def rule_module(rule: Rule) -> str:
    return rule.check.__module__
