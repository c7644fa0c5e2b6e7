"""Principals: who a statement speaks for, and whether that is the public, this account, or someone else."""

from __future__ import annotations

import re

from policies.iam.documents import Statement
from policies.metadata import HOW_TO_DECLARE
from policies.model import StackView

_CALLER_ACCOUNT = re.compile(r"^\$\{data\.aws_caller_identity\.[A-Za-z0-9_-]+\.account_id\}$")
_ROOT = re.compile(r"^arn:(?:aws|aws-cn|aws-us-gov|\$\{[^}]+\}):iam::(?P<account>[^:]+):root$")


def is_public(statement: Statement) -> bool:
    """An Allow that reaches anyone: Principal "*" (or AWS "*"), or NotPrincipal (everyone but the named)."""
    if statement.not_principals is not None:
        return True
    return "*" in statement.principal_ids()


def own_accounts(view: StackView) -> set[str]:
    """Account ids that are the stack's own: declared (guard's accounts, the gate's --account-id) or the AWS
    provider's allowed_account_ids (policies.model.StackView.accounts)."""
    return view.accounts


def is_literal_account(account: str | None) -> bool:
    return bool(account) and bool(re.fullmatch(r"\d{12}", account or ""))


def undeclared(account: str) -> str:
    """What a rule says of a literal account the stack does not declare as its own."""
    return (
        f"account {account}, which the stack does not declare as its own (if it is, declare it with "
        f"{HOW_TO_DECLARE}; if it is another account, bound the grant as AWS documents)"
    )


def account_of(principal: str) -> str | None:
    """The account an AWS principal belongs to (a root ARN, a bare account id, any IAM ARN), else None."""
    match = _ROOT.match(principal)
    if match:
        return match.group("account")
    if re.fullmatch(r"\d{12}", principal) or _CALLER_ACCOUNT.match(principal):
        return principal
    parts = principal.split(":")
    return parts[4] if principal.startswith("arn:") and len(parts) > 5 and ":iam:" in principal else None


def is_own_account(account: str | None, view: StackView) -> bool:
    return bool(account) and (bool(_CALLER_ACCOUNT.match(account or "")) or account in own_accounts(view))


def is_own_root(principal: str, view: StackView) -> bool:
    """The stack's own account root (`arn:...:iam::<own account>:root` or the bare account id)."""
    account = account_of(principal)
    return is_own_account(account, view) and (principal == account or bool(_ROOT.match(principal)))


def only_roots(statement: Statement) -> bool:
    """Every principal is an AWS account's root (the form of AWS's default key policy statement), whoever's."""
    ids = statement.principal_ids()
    return (
        bool(ids)
        and statement.not_principals is None
        and set(statement.principals or {}) == {"AWS"}
        and all(p != "*" and (_ROOT.match(p) or re.fullmatch(r"\d{12}", p) or _CALLER_ACCOUNT.match(p)) for p in ids)
    )


def only_own_root(statement: Statement, view: StackView) -> bool:
    """AWS's default key policy statement: delegates the key to IAM policies of the key's own account."""
    principals = statement.principals or {}
    ids = statement.principal_ids()
    return (
        bool(ids)
        and statement.not_principals is None
        and set(principals) == {"AWS"}
        and all(is_own_root(p, view) for p in ids)
    )


def foreign_principals(statement: Statement, view: StackView) -> list[str]:
    """The statement's AWS principals that belong to another account (or to one the stack cannot identify as its
    own: a literal account id not in the provider's allowed_account_ids)."""
    return [
        p
        for p in (statement.principals or {}).get("AWS", ())
        if p != "*" and (account := account_of(p)) is not None and not is_own_account(account, view)
    ]
