"""The one evaluator both engines share: our rulebook and Checkov's built-ins over a stack's resolved JSON, with
suppressions, twins, replacements and the profile's threshold applied. The Aspect calls `judge_stack` at synth,
the gate calls it on every synthesized stack; both get the same list of `Outcome`s for the same document.

Suppressions (the same for both engines): a suppression names a rule (ours or a Checkov id) and a construct path;
it covers that construct and everything below it. Without `applies_to` it covers every violation of the rule
there. With `applies_to` it covers only the violations that name one of its items among their actions or ARNs
(exactly, case-insensitively: `s3:GetObject` covers the violation naming `s3:GetObject`, not one naming
`s3:PutObject`); a Checkov result names nothing, so a suppression with `applies_to` never covers one. A finding is
suppressed only when every violation in it is; otherwise it fails with the violations left over.

Twins: a built-in listed in a rule's `checkov_ids` tests the same property as the rule. When the rule fails (or is
suppressed, or exempt) on a resource and its twin fails on the same resource (for a policy document: on a resource
that uses the document), the twin is folded into the rule's outcome ("also: CKV_AWS_145") and shares its status. A
twin that fails where the rule passes stands as its own outcome: the two disagree, and the gate says so.

What fails: an outcome fails when it maps to a control in the catalog (every rule of ours does) or is promoted by
the curated policy, and its severity is at or above the profile's threshold; a mapped failure below the threshold
is a warning; a failed built-in that maps to no control and is not promoted is advisory. The Aspect makes failures
error annotations (synth stops) and warnings/advisories warning annotations; the gate exits 1 on any failure.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from policies.curation import Policy, Promotion, Replacement, fails
from policies.model import Resource, Rule, StackView, Verdict, Violation, fail
from policies.rulebook import all_rules

CHECKOV_INDEX = "https://www.checkov.io/5.Policy%20Index/terraform.html"
STATUSES = ("failed", "warning", "advisory", "suppressed", "exempt", "replaced", "passed")
POLICY_DOCUMENT = "aws_iam_policy_document"


@dataclass(frozen=True)
class Finding:
    rule: Rule
    resource: Resource
    stack: str
    passed: bool
    message: str
    suppression: dict | None = field(default=None)
    violations: tuple[Violation, ...] = ()
    exemption: str = ""

    @property
    def status(self) -> str:
        if self.passed:
            return "exempt" if self.exemption else "passed"
        return "suppressed" if self.suppression else "failed"

    def line(self) -> str:
        """One line for people: rule, construct path, address, what is wrong, how to fix."""
        where = self.resource.construct_path or self.resource.address
        rule = self.rule
        return f"{rule.id} [{rule.severity}] {where} ({self.resource.address}): {self.message}. Fix: {rule.fix}"


def _covers(entry: dict, rule_id: str, resource: Resource) -> bool:
    path = resource.construct_path
    scope = entry.get("path", "")
    if entry.get("rule_id") != rule_id or not path or not isinstance(scope, str):
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
        if isinstance(entry, dict) and _covers(entry, rule_id, resource) and _applies(entry, violation):
            return entry
    return None


def judge(rule: Rule, resource: Resource, view: StackView, profile: str) -> Finding | None:
    """The rule's finding on one resource, with suppressions applied violation by violation.

    A rule that breaks on a value it did not expect fails the resource (fail closed), saying so."""
    try:
        verdict = rule.evaluate(resource, view, profile)
    except Exception as error:  # a rule bug or an unforeseen value: never a silent pass
        verdict = fail(
            f"{rule.id} could not evaluate this resource ({type(error).__name__}: {error}); the value is not one "
            "Terraform accepts here, or the rule has a bug"
        )
    if verdict is None:
        return None
    return _finding(rule, resource, view, verdict)


def _finding(rule: Rule, resource: Resource, view: StackView, verdict: Verdict) -> Finding:
    if verdict.passed:
        return Finding(rule, resource, view.stack, True, verdict.message, exemption=verdict.exemption)
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


@dataclass(frozen=True)
class Outcome:
    """One line of every report: a rule of ours or a Checkov built-in on one resource."""

    id: str
    engine: str  # guardrails | checkov
    title: str
    severity: str
    category: str
    stack: str
    address: str
    construct_path: str
    status: str  # one of STATUSES
    message: str
    fix: str
    controls: tuple[str, ...]
    also: tuple[str, ...] = ()  # twins folded into this outcome
    reason: str = ""  # why it is suppressed, exempt or replaced
    suppression: dict[str, Any] | None = None
    promoted: bool = False

    @property
    def problem(self) -> bool:
        return self.status in ("failed", "warning", "advisory")

    def line(self) -> str:
        """One line for people: what, where (construct path and address), why, how to fix, which controls."""
        label = {"failed": "FAIL", "warning": "WARN", "advisory": "ADVISORY"}.get(self.status, self.status.upper())
        also = f" (also: {', '.join(self.also)})" if self.also else ""
        controls = ", ".join(self.controls) or "no control (advisory)"
        return (
            f"{label} {self.id} [{self.severity}] {self.construct_path or self.stack} ({self.address}): "
            f"{self.message}{also}. Fix: {self.fix} [{controls}]"
        )


@dataclass(frozen=True)
class Standards:
    """What the profile's judgement needs besides the stack: catalog mappings, the curated policy, the built-ins."""

    profile: str
    policy: Policy
    controls: dict[str, tuple[str, ...]]  # rule or built-in id -> control ids
    builtin_severity: dict[str, str]  # built-in id -> severity of its (highest) control
    builtins: dict[str, Any]  # built-in id -> policies.builtins.Builtin

    @property
    def threshold(self) -> str:
        return self.policy.threshold(self.profile)

    def status(self, check_id: str, severity: str) -> str:
        """failed, warning or advisory, for a failure of this check at this severity."""
        if not self.controls.get(check_id) and check_id not in self.policy.promoted:
            return "advisory"
        return "failed" if fails(severity, self.threshold) else "warning"

    def synth_ids(self) -> set[str]:
        """The built-ins the Aspect runs: the five categories, anything mapped or promoted, minus skips."""
        from policies.builtins import SYNTH_CATEGORIES

        wanted = {
            b.id
            for b in self.builtins.values()
            if set(b.categories) & set(SYNTH_CATEGORIES) or b.id in self.controls or b.id in self.policy.promoted
        }
        return wanted - set(self.policy.skipped_for(self.profile))

    def gate_ids(self) -> set[str]:
        """The built-ins the gate runs: all of them, minus skips."""
        return set(self.builtins) - set(self.policy.skipped_for(self.profile))


def standards(profile: str, catalog: Any = None) -> Standards:
    """The profile's standards from the curated policy, the control catalog (default compliance/catalog.yaml) and
    the installed Checkov's built-ins."""
    from compliance.catalog import default_catalog
    from policies.builtins import catalog as builtin_catalog
    from policies.curation import policy

    catalog = catalog or default_catalog()
    builtins = builtin_catalog()
    severity = {i: s for i in builtins if (s := catalog.severity_of(i))}
    return Standards(profile, policy(), dict(catalog.by_rule), severity, builtins)


def preload() -> threading.Thread:
    """Load Checkov and the IAM action catalog in a background thread (idempotent): `guard()` and the gate's
    --synth start it, so the synth's first stack validation finds them loaded while node did its own work."""

    def load() -> None:
        from policies import builtins
        from policies.iam.catalog import catalog

        try:
            builtins.preload()
            catalog()
        except Exception:  # the validation loads them again, in its own thread, and reports what breaks
            return

    thread = threading.Thread(target=load, name="guardrails-preload", daemon=True)
    thread.start()
    return thread


def _twins() -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    for rule in all_rules():
        for check_id in rule.checkov_ids:
            found.setdefault(check_id, []).append(rule.id)
    return {k: tuple(v) for k, v in found.items()}


def users_of(document: Resource, view: StackView) -> list[Resource]:
    """The resources that use a policy document (reference it anywhere in their configuration)."""
    return [r for r in view.resources() if r is not document and view.references(r.config, document)]


def judge_stack(
    view: StackView, results: Iterable[Any], standards: Standards, findings: list[Finding] | None = None
) -> list[Outcome]:
    """Every outcome on one stack: our rules' findings (`findings`, or evaluated here), then the built-ins'
    results (`policies.builtins.Result`), twins folded, replacements and suppressions applied, each failure classed
    by the profile's threshold."""
    outcomes: list[Outcome] = []
    ours: dict[tuple[str, str], int] = {}  # (address, rule id) -> index in outcomes
    for finding in evaluate(view, standards.profile) if findings is None else findings:
        ours[(finding.resource.address, finding.rule.id)] = len(outcomes)
        outcomes.append(_our_outcome(finding, standards))
    twins = _twins()
    folded: dict[int, list[str]] = {}
    for result in results:
        subject = _subject(view, result.address)
        if result.passed:
            outcomes.append(_builtin_outcome(result, subject, view, standards, "passed", "compliant"))
            continue
        subjects = [subject] if subject is not None else []
        if subject is not None and subject.mode == "data" and subject.type == POLICY_DOCUMENT:
            subjects += users_of(subject, view)
        targets = [
            ours[(s.address, rule_id)]
            for s in subjects
            for rule_id in twins.get(result.check_id, ())
            if (s.address, rule_id) in ours and outcomes[ours[(s.address, rule_id)]].status != "passed"
        ]
        if targets:
            for index in targets:
                folded.setdefault(index, []).append(result.check_id)
            continue
        outcomes.append(_failed_builtin(result, subject, subjects, view, standards))
    for index, ids in folded.items():
        outcomes[index] = replace(outcomes[index], also=tuple(sorted(set(ids), key=_natural)))
    return outcomes


def _natural(check_id: str) -> tuple[str, int]:
    prefix, _, number = check_id.rpartition("_")
    return (prefix, int(number)) if number.isdigit() else (check_id, 0)


def _our_outcome(finding: Finding, standards: Standards) -> Outcome:
    rule = finding.rule
    status = finding.status
    if status == "failed":
        status = standards.status(rule.id, rule.severity)
    suppression = finding.suppression if status == "suppressed" else None
    reason = suppression["reason"] if suppression else finding.exemption
    return Outcome(
        id=rule.id,
        engine="guardrails",
        title=rule.title,
        severity=rule.severity,
        category=rule.category,
        stack=finding.stack,
        address=finding.resource.address,
        construct_path=finding.resource.construct_path,
        status=status,
        message=finding.message,
        fix=rule.fix,
        controls=standards.controls.get(rule.id, ()),
        reason=str(reason or ""),
        suppression=_entry(suppression),
    )


def _entry(entry: dict | None) -> dict[str, Any] | None:
    if not entry:
        return None
    return {"reason": str(entry.get("reason", "")), "rule_id": str(entry.get("rule_id", "")), "path": entry.get("path")}


def _subject(view: StackView, address: str) -> Resource | None:
    parts = address.split(".")
    if parts[0] == "data" and len(parts) == 3:
        return view.get(parts[1], parts[2], "data")
    if len(parts) == 2 and parts[0] not in ("provider", "module"):
        return view.get(parts[0], parts[1])
    return None


def _builtin_outcome(
    result: Any, subject: Resource | None, view: StackView, standards: Standards, status: str, message: str
) -> Outcome:
    builtin_id = result.check_id
    builtin = standards.builtins.get(builtin_id)
    promotion: Promotion | None = standards.policy.promoted.get(result.check_id)
    severity = promotion.severity if promotion else standards.builtin_severity.get(result.check_id, "low")
    categories = builtin.categories if builtin else ()
    return Outcome(
        id=result.check_id,
        engine="checkov",
        title=builtin.name if builtin else result.check_id,
        severity=severity,
        category=(categories[0].lower() if categories else "checkov"),
        stack=view.stack,
        address=result.address,
        construct_path=(subject.construct_path if subject is not None else "") or view.stack,
        status=status,
        message=message,
        fix=f"see {builtin_id} in Checkov's policy index ({CHECKOV_INDEX})",
        controls=standards.controls.get(result.check_id, ()),
        promoted=promotion is not None,
    )


def _replacement(
    result: Any, subject: Resource | None, users: list[Resource], standards: Standards
) -> Replacement | None:
    replacement = standards.policy.replaced.get(result.check_id)
    if replacement is None or subject is None:
        return None
    types = {u.type for u in users} if subject.mode == "data" and subject.type == POLICY_DOCUMENT else {subject.type}
    return replacement if types and types <= replacement.types else None


def _failed_builtin(
    result: Any, subject: Resource | None, subjects: list[Resource], view: StackView, standards: Standards
) -> Outcome:
    builtin = standards.builtins.get(result.check_id)
    message = getattr(result, "error", "") or (builtin.name if builtin else "failed")
    outcome = _builtin_outcome(result, subject, view, standards, "failed", message)
    replacement = _replacement(result, subject, subjects[1:], standards)
    if replacement is not None:
        return replace(
            outcome, status="replaced", reason=f"replaced by {', '.join(replacement.by)}: {replacement.reason}"
        )
    entry = matching_suppression(view.suppressions, result.check_id, subject) if subject is not None else None
    if entry is not None:
        return replace(outcome, status="suppressed", reason=str(entry.get("reason", "")), suppression=_entry(entry))
    return replace(outcome, status=standards.status(result.check_id, outcome.severity))
