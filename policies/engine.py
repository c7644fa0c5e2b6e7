"""Evaluate the rulebook over a stack view and apply suppressions: the one evaluator both engines share.

Suppression semantics (the same for the Aspect and the gate): a suppression names a rule and a construct path; it
covers that construct and everything below it. Without `applies_to` it covers every violation of the rule there.
With `applies_to` it covers only violations that name one of its items among their actions or ARNs (exactly,
case-insensitively: `s3:GetObject` covers the violation naming `s3:GetObject`, not one naming `s3:PutObject`).
A finding is suppressed only when every violation in it is; otherwise it fails with the violations left over.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from policies.model import Resource, Rule, StackView, Verdict, Violation
from policies.rulebook import all_rules


@dataclass(frozen=True)
class Finding:
    rule: Rule
    resource: Resource
    stack: str
    passed: bool
    message: str
    suppression: dict | None = field(default=None)
    violations: tuple[Violation, ...] = ()

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


def _covers(entry: dict, rule_id: str, resource: Resource) -> bool:
    path = resource.construct_path
    scope = entry.get("path", "")
    if entry.get("rule_id") != rule_id or not path:
        return False
    return path == scope or path.startswith(scope + "/")


def _applies(entry: dict, violation: Violation) -> bool:
    wanted = {str(item).lower() for item in entry.get("applies_to") or []}
    return not wanted or bool(wanted & {n.lower() for n in violation.names})


def matching_suppression(
    suppressions: list[dict], rule_id: str, resource: Resource, violation: Violation | None = None
) -> dict | None:
    """The suppression covering this rule's violation on the resource's construct or any ancestor."""
    violation = violation or Violation("")
    for entry in suppressions:
        if _covers(entry, rule_id, resource) and _applies(entry, violation):
            return entry
    return None


def judge(rule: Rule, resource: Resource, view: StackView, profile: str) -> Finding | None:
    """The rule's finding on one resource, with suppressions applied violation by violation."""
    verdict = rule.evaluate(resource, view, profile)
    if verdict is None:
        return None
    return _finding(rule, resource, view, verdict)


def _finding(rule: Rule, resource: Resource, view: StackView, verdict: Verdict) -> Finding:
    if verdict.passed:
        return Finding(rule, resource, view.stack, True, verdict.message)
    left, used = [], None
    for violation in verdict.violations:
        entry = matching_suppression(view.suppressions, rule.id, resource, violation)
        if entry is None:
            left.append(violation)
        else:
            used = used or entry
    if left:
        message = "; ".join(v.message for v in left)
        return Finding(rule, resource, view.stack, False, message, None, tuple(left))
    return Finding(rule, resource, view.stack, False, verdict.message, used, verdict.violations)


def evaluate(view: StackView, profile: str, rules: tuple[Rule, ...] | None = None) -> list[Finding]:
    findings = []
    for rule in rules or all_rules():
        for resource in view:
            finding = judge(rule, resource, view, profile)
            if finding is not None:
                findings.append(finding)
    return findings
