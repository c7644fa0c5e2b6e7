"""What a stack declares about itself in its "//".guardrails metadata (Terraform ignores it; every engine reads it):
its kind, the AWS accounts that are its own (`guard(app, accounts=[...])`), and the suppressions its author
recorded (policies/suppressions.py writes those).

Kind: account-wide resources belong only to an account baseline; an undeclared stack counts as an environment, so
a stack that says nothing cannot own them by omission.
"""

from __future__ import annotations

import re
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


ACCOUNT = re.compile(r"^\d{12}$")
ACCOUNTS_CONTEXT = "guardrailsAccounts"  # the cdktf context key guard() reads when not given accounts
HOW_TO_DECLARE = (
    "guard(app, accounts=[...]), the cdktf context key guardrailsAccounts, or "
    "`python -m compliance check --account-id ID`"
)


def declare_accounts(stack: Any, accounts: list[str]) -> None:
    """Write the stack's own AWS accounts into its "//".guardrails metadata (12-digit ids; ValueError otherwise)."""
    bad = [a for a in accounts if not isinstance(a, str) or not ACCOUNT.match(a)]
    if bad:
        raise ValueError(f"accounts {bad!r}: an AWS account id is 12 digits, written as a string")
    stack.add_override("//.guardrails.accounts", sorted(set(accounts)))


def accounts(document: dict[str, Any]) -> set[str]:
    """The accounts a synthesized stack declares its own (metadata written by guard)."""
    found = guardrails_metadata(document).get("accounts")
    return {a for a in found if isinstance(a, str) and ACCOUNT.match(a)} if isinstance(found, list) else set()


def declare_environment(stack: Any, suffix: str) -> None:
    """Write the stack's environment suffix into its metadata: the baseline names the stack and its ARNs without it."""
    stack.add_override("//.guardrails.environment", suffix)


def environment(document: dict[str, Any]) -> str:
    """The environment suffix a stack declares ("" when none)."""
    found = guardrails_metadata(document).get("environment")
    return found if isinstance(found, str) else ""
