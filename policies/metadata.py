"""What a stack declares about itself in its "//".guardrails metadata (Terraform ignores it; every engine reads it):
its kind and the suppressions its author recorded (policies/suppressions.py writes those).

Kind: account-wide resources belong only to an account baseline; an undeclared stack counts as an environment, so
a stack that says nothing cannot own them by omission.
"""

from __future__ import annotations

from typing import Any

ENVIRONMENT = "environment"
ACCOUNT_BASELINE = "account-baseline"
STACK_KINDS = (ENVIRONMENT, ACCOUNT_BASELINE)


def declare_stack_kind(stack: Any, kind: str) -> None:
    """Write `"//": {"guardrails": {"stack_kind": kind}}` into a cdktf TerraformStack's synthesized JSON."""
    if kind not in STACK_KINDS:
        raise ValueError(f"stack kind {kind!r} is not one of {', '.join(STACK_KINDS)}")
    stack.add_override("//.guardrails.stack_kind", kind)


def guardrails_metadata(document: dict[str, Any]) -> dict[str, Any]:
    """The stack's "//".guardrails object ({} when absent or not an object)."""
    meta = document.get("//")
    guardrails = meta.get("guardrails") if isinstance(meta, dict) else None
    return guardrails if isinstance(guardrails, dict) else {}


def stack_kind(document: dict[str, Any]) -> str:
    """The declared kind of a synthesized stack; undeclared (or unreadable) means environment."""
    kind = guardrails_metadata(document).get("stack_kind")
    return kind if kind in STACK_KINDS else ENVIRONMENT


def suppressions(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The suppressions recorded in the stack (the gate refuses a document whose entries are malformed)."""
    found = guardrails_metadata(document).get("suppressions")
    return list(found) if isinstance(found, list) else []
