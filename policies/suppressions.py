"""`suppress(construct, "RULE-ID", reason=...)`: silence one rule on one construct, recorded in the synth output."""

from __future__ import annotations

from collections.abc import Sequence

from cdktf import TerraformStack
from constructs import IConstruct

from policies.curation import built_in_ids
from policies.rulebook import all_rules

MIN_REASON = 10
_RECORDS: dict[int, tuple[TerraformStack, list[dict]]] = {}


class SuppressionError(ValueError):
    """A suppression names an unknown rule or gives no real reason."""


def known_rule_ids() -> set[str]:
    """Our rules, the built-ins the catalog maps to controls, and those the curated policy names."""
    from compliance.catalog import mapped_builtin_ids

    return {r.id for r in all_rules()} | built_in_ids() | mapped_builtin_ids()


def suppress(construct: IConstruct, rule_id: str, *, reason: str, applies_to: Sequence[str] | None = None) -> dict:
    """Silence `rule_id` on `construct` and everything below it; the gate and the reports show it with its reason.

    `applies_to` narrows the suppression to the violations of our rule that name one of these actions or ARNs
    (exactly, case-insensitively); a Checkov result names nothing, so a narrowed suppression never silences one.
    """
    if rule_id not in known_rule_ids():
        raise SuppressionError(
            f"suppress({construct.node.path!r}): unknown rule id {rule_id!r}; "
            "use a file's RULE id from policies/rules/, a Checkov id of compliance/catalog.yaml, or one listed in "
            "policies/checkov_policy.yaml"
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
