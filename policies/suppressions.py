"""Suppressions: `suppress(construct, "RULE-ID", reason=...)` accepts one rule's findings on one construct (and
everything below it), recorded in the stack's "//" metadata where both engines read it.

Without `applies_to` a suppression covers every violation of the rule there. With `applies_to` it covers only the
violations that name one of its items among their actions or ARNs (exactly, case-insensitively: `s3:GetObject`
covers the violation naming `s3:GetObject`, not one naming `s3:PutObject`); a Checkov result names nothing, so a
suppression with `applies_to` never covers one. A finding is suppressed only when every violation in it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from policies.model import MIN_REASON, Resource, Violation

SOURCE = "suppress"  # what accepted a finding: the stack's author, through suppress()
_RECORDS: dict[int, tuple[Any, list[dict]]] = {}


class SuppressionError(ValueError):
    """A suppression names an unknown rule or gives no real reason."""


def known_rule_ids() -> set[str]:
    """Our rules and every built-in Checkov ships (read from the index, without importing Checkov)."""
    from policies.builtins.index import catalog
    from policies.rulebook import all_rules

    return {r.id for r in all_rules()} | set(catalog())


def suppress(construct: Any, rule_id: str, *, reason: str, applies_to: Sequence[str] | None = None) -> dict:
    """Accept `rule_id`'s findings on `construct` and everything below it; every report shows them as suppressed,
    with the reason. `applies_to` narrows it to the violations naming one of these actions or ARNs."""
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
    stack = TerraformStack.of(construct)
    entry = {"rule_id": rule_id, "path": construct.node.path, "reason": reason.strip()}
    if applies_to:
        entry["applies_to"] = list(applies_to)
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
    suppressions: list[dict], rule_id: str, resource: Resource, violation: Violation | None = None
) -> dict | None:
    """The suppression covering this rule's violation on the resource's construct or any ancestor."""
    violation = violation or Violation("")
    for entry in suppressions:
        if isinstance(entry, dict) and _covers(entry, rule_id, resource) and _applies(entry, violation):
            return entry
    return None


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
    return shown
