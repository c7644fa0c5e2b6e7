"""Suppressions: `suppress(construct, "RULE-ID", reason=...)` accepts one rule's findings on one construct (and
everything below it), recorded in the stack's "//" metadata where both engines read it; a baseline entry
(policies/baseline.py) accepts a finding the same way. Either is the finding's `suppression`, with its source.

Without `applies_to` a suppression covers every violation of the rule there. With `applies_to` it covers only the
violations that name one of its items among their actions or ARNs (exactly, case-insensitively: `s3:GetObject`
covers the violation naming `s3:GetObject`, not one naming `s3:PutObject`); a Checkov result names nothing, so a
suppression with `applies_to` never covers one. A finding is suppressed only when every violation in it is.

`expires="YYYY-MM-DD"` (UTC) ends an acceptance: after that date the finding fails again, saying "suppression
expired on DATE"; in its last 14 days it stays suppressed and every report shows the date.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from policies.model import MIN_REASON, Resource, StackView, Violation

SOURCE = "suppress"  # what accepted a finding: the stack's author, through suppress()
_RECORDS: dict[int, tuple[Any, list[dict]]] = {}


class SuppressionError(ValueError):
    """A suppression names an unknown rule or gives no real reason."""


def known_rule_ids() -> set[str]:
    """Our rules and every built-in Checkov ships (read from the index, without importing Checkov)."""
    from policies.builtins.index import catalog
    from policies.rulebook import all_rules

    return {r.id for r in all_rules()} | set(catalog())


EXPIRING_DAYS = 14  # an acceptance this close to its end shows its date in every report
EXPIRING = "suppression expires on"  # what a suppressed finding's reason says in those days


def suppress(
    construct: Any,
    rule_id: str,
    *,
    reason: str,
    applies_to: Sequence[str] | None = None,
    expires: str | None = None,
) -> dict:
    """Accept `rule_id`'s findings on `construct` and everything below it; every report shows them as suppressed,
    with the reason. `applies_to` narrows it to the violations naming one of these actions or ARNs; `expires`
    (YYYY-MM-DD, UTC) ends it."""
    from cdktf import TerraformStack

    if rule_id not in known_rule_ids():
        raise SuppressionError(
            f"suppress({construct.node.path!r}): unknown rule id {rule_id!r}; use a RULE id of policies/rules/ or a "
            "Checkov built-in id (docs/rules.md lists both)"
        )
    if not reason or len(reason.strip()) < MIN_REASON:
        raise SuppressionError(
            f"suppress({construct.node.path!r}, {rule_id!r}): a reason of at least {MIN_REASON} characters is required"
        )
    if expires is not None:
        try:
            date.fromisoformat(expires)
        except (TypeError, ValueError):
            raise SuppressionError(
                f"suppress({construct.node.path!r}, {rule_id!r}): expires={expires!r} is not a date (YYYY-MM-DD)"
            ) from None
    stack = TerraformStack.of(construct)
    entry = {"rule_id": rule_id, "path": construct.node.path, "reason": reason.strip()}
    if applies_to:
        entry["applies_to"] = list(applies_to)
    if expires:
        entry["expires"] = expires
    _, records = _RECORDS.setdefault(id(stack), (stack, []))
    records.append(entry)
    # Written into the stack's "//" metadata: Terraform ignores it, both engines read it.
    stack.add_override("//.guardrails.suppressions", list(records))
    return entry


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
    view: StackView, rule_id: str, resource: Resource, violation: Violation | None = None
) -> dict | None:
    """What accepts this rule's violation on the resource: a suppression of its construct or an ancestor, else an
    entry of the baseline the stack is judged with."""
    violation = violation or Violation("")
    for entry in view.suppressions:
        if isinstance(entry, dict) and _covers(entry, rule_id, resource) and _applies(entry, violation):
            return entry
    return view.baseline.match(view, rule_id, resource, violation) if view.baseline is not None else None


def expiry(entry: dict, today: date) -> tuple[bool, str]:
    """(still accepted, what to say of its date: "" when nothing)."""
    if not entry.get("expires"):
        return True, ""
    ends = date.fromisoformat(str(entry["expires"]))
    if today > ends:
        return False, f"suppression expired on {ends.isoformat()}"
    if (ends - today).days <= EXPIRING_DAYS:
        return True, f"{EXPIRING} {ends.isoformat()}"
    return True, ""


def record(entry: dict) -> dict[str, Any]:
    """What a report shows of the suppression that accepted a finding."""
    shown = {
        "source": str(entry.get("source") or SOURCE),
        "reason": str(entry.get("reason", "")),
        "rule_id": str(entry.get("rule_id", "")),
        "path": entry.get("path"),
    }
    if entry.get("applies_to"):
        shown["applies_to"] = [str(item) for item in entry["applies_to"]]
    if entry.get("expires"):
        shown["expires"] = str(entry["expires"])
    if "entry" in entry:
        shown["entry"] = entry["entry"]
    return shown
