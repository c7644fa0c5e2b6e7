"""A stack's kind (environment or account baseline), declared in its "//" metadata, where every engine reads it.

Account-wide resources belong only to an account baseline; an undeclared stack counts as an environment, so a
stack that says nothing cannot own them by omission.
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


def stack_kind(document: dict[str, Any]) -> str:
    """The declared kind of a synthesized stack; undeclared (or unreadable) means environment."""
    meta = document.get("//")
    guardrails = meta.get("guardrails") if isinstance(meta, dict) else None
    kind = guardrails.get("stack_kind") if isinstance(guardrails, dict) else None
    return kind if kind in STACK_KINDS else ENVIRONMENT
