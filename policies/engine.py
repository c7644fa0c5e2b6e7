"""The one evaluator both engines share: our rulebook and Checkov's built-ins over a stack's resolved JSON, each
(rule or check, resource) pair judged to one `Outcome` with one of five statuses. The Aspect calls `judge_stack` at
synth, the gate on every synthesized stack, the plain-Checkov adapter per scanned file: the same outcomes for the
same document.

- failed: a finding that maps to a control in the catalog, at or above the profile's threshold.
- warning: a finding below the profile's threshold, of a built-in the catalog classifies under `warnings` (its
  reason is the catalog's), or of a built-in nobody classified (its reason says which).
- suppressed: accepted by the stack's author (`suppress`, with a reason), covering every violation in it.
- waived: passed by the project's own policy, with the reason: the exception AWS documents that a rule knows (an
  access-log target bucket), or a built-in replaced by a rule that reads the resource right (`Rule.replaces`).
- passed.

A built-in a rule covers (`Rule.covers`: it tests the same property, never more) is folded into the rule's outcome
on the same resource ("also: CKV_AWS_145") when the rule did not pass, and shares its status; where the rule
passes, the built-in's failure stands on its own: the two disagree, and the reports say so.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from policies import builtins
from policies.catalog import Catalog, default_catalog
from policies.model import Resource, Rule, StackView, Unreadable, Verdict, Violation, fail
from policies.profiles import Profile
from policies.profiles import profile as profile_named
from policies.rulebook import all_rules, replacements, twins
from policies.suppressions import expiry, matching_suppression, record

STATUSES = ("failed", "warning", "suppressed", "waived", "passed")
PROBLEMS = ("failed", "warning")
CHECKOV_INDEX = "https://www.checkov.io/5.Policy%20Index/terraform.html"
POLICY_DOCUMENT = "aws_iam_policy_document"
NO_CONTROL = "warning: maps to no control of compliance/catalog.yaml"  # a built-in nobody classified


@dataclass(frozen=True)
class Outcome:
    """A rule of ours or a Checkov built-in, judged on one resource: one line of every report."""

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
    also: tuple[str, ...] = ()  # built-ins folded into this outcome (the rule covers them)
    reason: str = ""  # warning: which threshold, or why no control maps it; suppressed, waived: why
    suppression: dict[str, Any] | None = None  # who accepted it: source, reason, path, expiry
    instances: tuple[str, ...] = ()  # a counted or iterated resource's instance keys (literal count/for_each)
    names: tuple[str, ...] = ()  # the actions and ARNs its violations name (what a baseline entry keys on)

    @property
    def problem(self) -> bool:
        return self.status in PROBLEMS

    def line(self) -> str:
        """One line for people: what, where (construct path and address), why, how to fix, which controls."""
        label = {"failed": "FAIL", "warning": "WARN"}.get(self.status, self.status.upper())
        also = f" (also: {', '.join(self.also)})" if self.also else ""
        controls = ", ".join(self.controls) or "no control"
        why = f" ({self.reason})" if self.reason else ""
        each = f", every instance: {', '.join(self.instances)}" if self.instances else ""
        return (
            f"{label} {self.id} [{self.severity}] {self.construct_path or self.stack} ({self.address}{each}): "
            f"{self.message}{also}. Fix: {self.fix} [{controls}]{why}"
        )


def _classify(check_id: str, severity: str, profile: Profile, catalog: Catalog) -> tuple[str, str]:
    """(failed or warning, why) for a finding of this check at this severity that nobody accepted."""
    if not catalog.controls_for(check_id):
        return "warning", unmapped_reason(check_id, catalog)
    if profile.fails(severity):
        return "failed", ""
    return "warning", f"warning: {severity} is below the {profile.name} profile's threshold ({profile.threshold})"


def unmapped_reason(check_id: str, catalog: Catalog) -> str:
    """Why a finding of a check no control lists only warns: the catalog's `warnings` reason, or NO_CONTROL."""
    reason = catalog.warning_reason(check_id)
    return f"warning: {reason}" if reason else NO_CONTROL


def judge(
    rule: Rule, resource: Resource, view: StackView, profile: Profile | str, catalog: Catalog | None = None
) -> Outcome | None:
    """The rule's outcome on one resource (None when out of its scope), suppressions applied violation by violation.

    A rule that breaks on a value it did not expect fails the resource (fail closed), saying so."""
    profile = profile_named(profile) if isinstance(profile, str) else profile
    catalog = catalog or default_catalog()
    try:
        verdict = rule.evaluate(resource, view, profile.name)
    except Unreadable as error:  # a token or a dynamic block where the rule must read a value: fail closed
        verdict = fail(f"could not read what {rule.id} judges: {error}")
    except Exception as error:  # a rule bug or an unforeseen value: never a silent pass
        verdict = fail(
            f"{rule.id} could not evaluate this resource ({type(error).__name__}: {error}); the value is not one "
            "Terraform accepts here, or the rule has a bug"
        )
    if verdict is None:
        return None
    return _ours(rule, resource, view, verdict, profile, catalog)


def _ours(
    rule: Rule, resource: Resource, view: StackView, verdict: Verdict, profile: Profile, catalog: Catalog
) -> Outcome:
    outcome = Outcome(
        id=rule.id,
        engine="guardrails",
        title=rule.title,
        severity=rule.severity,
        category=rule.category,
        stack=view.stack,
        address=resource.address,
        construct_path=resource.construct_path,
        status="passed",
        message=verdict.message,
        fix=rule.fix,
        controls=tuple(catalog.controls_for(rule.id)),
        instances=resource.instances,
    )
    if verdict.passed:
        return replace(outcome, status="waived", reason=verdict.waiver) if verdict.waiver else outcome
    return _accepted(outcome, view, resource, verdict.violations, profile, catalog)


def _accepted(
    outcome: Outcome,
    view: StackView,
    resource: Resource | None,
    violations: Iterable[Violation],
    profile: Profile,
    catalog: Catalog,
) -> Outcome:
    """A failure, unless what accepts each violation (a suppression or a baseline entry, not expired) covers all."""
    left: list[Violation] = []
    used, said = None, []
    for violation in violations:
        entry = matching_suppression(view, outcome.id, resource, violation) if resource is not None else None
        accepted, note = expiry(entry, view.today) if entry is not None else (False, "")
        if note:
            said.append(note)
        if accepted:
            used = used or entry
        else:
            left.append(violation)
    if not left and used is not None:
        reason = str(used["reason"]) + (f" ({said[0]})" if said else "")
        return replace(outcome, status="suppressed", reason=reason, suppression=record(used))
    status, why = _classify(outcome.id, outcome.severity, profile, catalog)
    expired = sorted({n for n in said if "expired" in n})
    message = "; ".join([*(v.message for v in left), *expired]) if left else outcome.message
    names = tuple(sorted({n for v in left for n in v.names}))
    return replace(outcome, status=status, reason=why, message=message, names=names)


def evaluate(
    view: StackView, profile: Profile | str, catalog: Catalog | None = None, rules: Iterable[Rule] | None = None
) -> list[Outcome]:
    """Our rulebook's outcomes on every resource of the stack (judged once per process for the same document and
    judgement: the gate run in the synth's process reuses what the Aspect found)."""
    profile = profile_named(profile) if isinstance(profile, str) else profile
    catalog = catalog or default_catalog()
    key = _judgement_key(view, profile, catalog) if rules is None else None
    if key is not None and key in _JUDGED:
        return list(_JUDGED[key])
    found = []
    for rule in all_rules() if rules is None else rules:
        for resource in view:
            outcome = judge(rule, resource, view, profile, catalog)
            if outcome is not None:
                found.append(outcome)
    if key is not None:
        _JUDGED[key] = tuple(found)
        while len(_JUDGED) > builtins.MEMO_SIZE:
            _JUDGED.pop(next(iter(_JUDGED)))
    return found


_JUDGED: dict[tuple, tuple[Outcome, ...]] = {}


def _judgement_key(view: StackView, profile: Profile, catalog: Catalog) -> tuple | None:
    """What decides our rules' outcomes on a stack: its document and what it is judged with (a stack that reads its
    siblings depends on them too: not remembered)."""
    if view.siblings:
        return None
    baseline = builtins.document_key({"entries": list(view.baseline.entries)}) if view.baseline is not None else ""
    document = builtins.document_key(view.judged_document)
    judged_by = (profile.name, profile.threshold, tuple(sorted(profile.skipped)))
    return (document, view.stack, judged_by, id(catalog), baseline, frozenset(view.accounts), view.today)


def builtin_ids(at: str, profile: Profile | str, catalog: Catalog | None = None) -> frozenset[str]:
    """The built-ins that run at "synth" (the Aspect) or in the "gate" for this profile."""
    profile = profile_named(profile) if isinstance(profile, str) else profile
    catalog = catalog or default_catalog()
    return builtins.selected(at, catalog.by_rule, profile.skipped)


def users_of(document: Resource, view: StackView) -> list[Resource]:
    """The resources that use a policy document (reference it anywhere in their configuration)."""
    return [r for r in view.resources() if r is not document and view.references(r, document)]


def judge_stack(
    view: StackView,
    results: Iterable[Any],
    profile: Profile | str,
    catalog: Catalog | None = None,
    ours: list[Outcome] | None = None,
) -> list[Outcome]:
    """Every outcome on one stack: our rules' (`ours`, or evaluated here), then the built-ins' results
    (`policies.builtins.Result`), covered ones folded into our outcomes, replacements and suppressions applied."""
    profile = profile_named(profile) if isinstance(profile, str) else profile
    catalog = catalog or default_catalog()
    outcomes = list(evaluate(view, profile, catalog) if ours is None else ours)
    index = {(o.address, o.id): i for i, o in enumerate(outcomes)}
    covering = twins()
    folded: dict[int, list[str]] = {}
    for result in results:
        subject = _subject(view, result.address)
        if result.passed:
            outcomes.append(_builtin(result, subject, view, catalog, "passed", "compliant"))
            continue
        subjects = [subject] if subject is not None else []
        if subject is not None and subject.mode == "data" and subject.type == POLICY_DOCUMENT:
            subjects += users_of(subject, view)
        targets = [
            index[(s.address, rule_id)]
            for s in subjects
            for rule_id in covering.get(result.check_id, ())
            if (s.address, rule_id) in index and outcomes[index[(s.address, rule_id)]].status != "passed"
        ]
        for target in targets:
            folded.setdefault(target, []).append(result.check_id)
        if not targets:
            outcomes.append(_failed_builtin(result, subject, subjects, view, profile, catalog))
    for target, ids in folded.items():
        outcomes[target] = replace(outcomes[target], also=tuple(sorted(set(ids), key=_natural)))
    return outcomes


def _natural(check_id: str) -> tuple[str, int]:
    prefix, _, number = check_id.rpartition("_")
    return (prefix, int(number)) if number.isdigit() else (check_id, 0)


def _subject(view: StackView, address: str) -> Resource | None:
    parts = address.split(".")
    if parts[0] == "data" and len(parts) == 3:
        return view.get(parts[1], parts[2], "data")
    if len(parts) == 2 and parts[0] not in ("provider", "module"):
        return view.get(parts[0], parts[1])
    return None


def _builtin(
    result: Any, subject: Resource | None, view: StackView, catalog: Catalog, status: str, message: str
) -> Outcome:
    check_id = result.check_id
    known = builtins.catalog().get(check_id)
    return Outcome(
        id=check_id,
        engine="checkov",
        title=known.name if known else check_id,
        severity=catalog.severity_of(check_id) or "low",
        category=builtins.category(check_id, catalog.category_of(check_id)),
        stack=view.stack,
        address=subject.address if subject is not None else result.address,
        construct_path=(subject.construct_path if subject is not None else "") or view.stack,
        status=status,
        message=message,
        fix=f"see {check_id} in Checkov's policy index ({CHECKOV_INDEX})",
        controls=tuple(catalog.controls_for(check_id)),
        instances=subject.instances if subject is not None else (),
    )


def _failed_builtin(
    result: Any,
    subject: Resource | None,
    subjects: list[Resource],
    view: StackView,
    profile: Profile,
    catalog: Catalog,
) -> Outcome:
    known = builtins.catalog().get(result.check_id)
    message = getattr(result, "error", "") or (known.name if known else "failed")
    outcome = _builtin(result, subject, view, catalog, "failed", message)
    if subject is not None:
        # For a policy document, the types are those of the resources that use it: replaced only when all are.
        types = {u.type for u in subjects[1:]} if subject.type == POLICY_DOCUMENT else {subject.type}
        for replacement, rule_id in replacements().get(result.check_id, ()):
            if types and types <= set(replacement.types):
                return replace(outcome, status="waived", reason=f"replaced by {rule_id}: {replacement.reason}")
    return _accepted(outcome, view, subject, [Violation(message)], profile, catalog)


def preload() -> threading.Thread:
    """Load Checkov and the IAM action catalog in a background thread (idempotent): `guard()` and the gate's
    --synth start it, so the synth's first stack validation finds them loaded while node did its own work."""

    def load() -> None:
        from policies.iam.catalog import catalog

        try:
            builtins.preload()
            catalog()
        except Exception:  # the validation loads them again, in its own thread, and reports what breaks
            return

    thread = threading.Thread(target=load, name="guardrails-preload", daemon=True)
    thread.start()
    return thread
