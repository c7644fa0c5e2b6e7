"""Evaluate the rulebook over a stack view and apply suppressions: the one evaluator both engines share."""

from __future__ import annotations

from dataclasses import dataclass, field

from policies.model import Resource, Rule, StackView
from policies.rulebook import all_rules


@dataclass(frozen=True)
class Finding:
    rule: Rule
    resource: Resource
    stack: str
    passed: bool
    message: str
    suppression: dict | None = field(default=None)

    @property
    def status(self) -> str:
        if self.passed:
            return "passed"
        return "suppressed" if self.suppression else "failed"

    def line(self) -> str:
        """One line for people: rule, construct path, address, what is wrong, how to fix."""
        where = self.resource.construct_path or self.resource.address
        rule = self.rule
        return f"{rule.id} [{rule.severity}] {where} ({self.resource.address}): {self.message}. Fix: {rule.fix}"


def matching_suppression(suppressions: list[dict], rule_id: str, resource: Resource, message: str) -> dict | None:
    """A suppression on the resource's construct or any ancestor, for this rule (or its Checkov twin)."""
    path = resource.construct_path
    for entry in suppressions:
        scope = entry.get("path", "")
        if entry.get("rule_id") != rule_id or not path:
            continue
        if path != scope and not path.startswith(scope + "/"):
            continue
        applies_to = entry.get("applies_to") or []
        if applies_to and not any(item in message for item in applies_to):
            continue
        return entry
    return None


def evaluate(view: StackView, profile: str, rules: tuple[Rule, ...] | None = None) -> list[Finding]:
    findings = []
    suppressions = view.suppressions
    for rule in rules or all_rules():
        for resource in view:
            verdict = rule.evaluate(resource, view, profile)
            if verdict is None:
                continue
            suppression = None
            if not verdict.passed:
                suppression = matching_suppression(suppressions, rule.id, resource, verdict.message)
            findings.append(Finding(rule, resource, view.stack, verdict.passed, verdict.message, suppression))
    return findings
