"""Checkov's built-in checks: the one package that touches Checkov's internals.

- `run(document, ids)`: the built-ins over one stack's resolved Terraform JSON (run.py), results equal to Checkov's
  own `terraform_json` runner; the Aspect and the gate both call it. Valid Terraform JSON that Checkov's parser
  refuses is given to it without the parts it cannot read, and `note(document)` says which.
- `catalog()`: every built-in Checkov ships, read from index.json without importing Checkov (index.py).
- `selected(at, ...)`: which built-ins run at synth and which in the gate, from one definition.
- `category(...)`: the category of ours a built-in is shown under.
- speedups.py: our named patches of Checkov internals, each with an off switch.
"""

from __future__ import annotations

from collections.abc import Iterable

from policies.builtins.index import Builtin, catalog
from policies.builtins.run import (
    MEMO_SIZE,
    PARTS,
    BuiltinError,
    Result,
    document_key,
    judged_before,
    note,
    preload,
    run,
)

__all__ = [
    "MEMO_SIZE",
    "PARTS",
    "Builtin",
    "BuiltinError",
    "Result",
    "catalog",
    "category",
    "document_key",
    "judged_before",
    "note",
    "preload",
    "run",
    "selected",
]

# At synth the Aspect runs the built-ins of these Checkov categories (the mission's: unencrypted, over-privileged,
# exposed, unlogged, secret in code) and every built-in the catalog maps to a control; the gate runs them all.
SYNTH_CATEGORIES = ("ENCRYPTION", "IAM", "NETWORKING", "LOGGING", "SECRETS")

# A built-in the catalog maps to no control is shown under the category of ours that says what it checks.
CHECKOV_CATEGORY = {
    "ENCRYPTION": "encryption",
    "IAM": "privilege",
    "NETWORKING": "privilege",  # who can reach it: exposure is a privilege granted to the network
    "LOGGING": "logging",
    "SECRETS": "secrets",
    "BACKUP_AND_RECOVERY": "resilience",
    "CONVENTION": "tagging",
    "GENERAL_SECURITY": "hardening",
    "APPLICATION_SECURITY": "hardening",
    "KUBERNETES": "hardening",
    "SUPPLY_CHAIN": "hardening",
    "AI_AND_ML": "hardening",
}


def selected(at: str, mapped: Iterable[str], skipped: Iterable[str]) -> frozenset[str]:
    """The built-ins that run `at` "synth" (the Aspect) or "gate": the gate runs every built-in; synth runs those
    of SYNTH_CATEGORIES and every `mapped` one (a control depends on it); neither runs the profile's `skipped`."""
    every = catalog()
    if at == "gate":
        wanted = set(every)
    elif at == "synth":
        wanted = {b.id for b in every.values() if set(b.categories) & set(SYNTH_CATEGORIES)} | set(mapped)
    else:
        raise ValueError(f"built-ins run at 'synth' or 'gate', not {at!r}")
    return frozenset(wanted & set(every)) - frozenset(skipped)


def category(check_id: str, control_category: str | None = None) -> str:
    """A built-in's category: its control's when the catalog maps it, else from Checkov's category."""
    if control_category:
        return control_category
    builtin = catalog().get(check_id)
    for checkov_category in builtin.categories if builtin else ():
        if checkov_category in CHECKOV_CATEGORY:
            return CHECKOV_CATEGORY[checkov_category]
    return "hardening"
