"""What an Allow statement grants, judged against the action catalog: the judgement the privilege rules share."""

from __future__ import annotations

from dataclasses import dataclass

from policies.iam import arns
from policies.iam.catalog import Action, catalog
from policies.iam.conditions import narrows_resources
from policies.iam.documents import Statement

SENSITIVE_LEVELS = ("Write", "Permissions management", "Tagging")


@dataclass(frozen=True)
class Reach:
    """One action a statement allows on resources wider than one parent, with no condition that narrows it."""

    action: Action
    statement: Statement
    why: str  # "Write on every resource", ...


def allowed_actions(statement: Statement) -> tuple[tuple[Action, ...], tuple[str, ...]]:
    """(catalog actions the statement's Action/NotAction covers, literal names the catalog does not know)."""
    cat = catalog()
    if statement.not_actions:
        return cat.everything_but(statement.not_actions), ()
    found: dict[str, Action] = {}
    unknown = []
    for pattern in statement.actions:
        matched = cat.expand(pattern)
        if not matched and not arns.has_wildcard(pattern):
            unknown.append(pattern)
        found.update((a.key, a) for a in matched)
    return tuple(found.values()), tuple(unknown)


def wide_for(statement: Statement, action: Action) -> bool:
    """Does the statement reach `action` on resources wider than one parent?"""
    if statement.not_resources:
        return True
    if not statement.resources:
        return False
    formats = action.required_formats or action.arn_formats
    if action.required_formats:
        # A request names one resource of every required type, and each must be allowed: one narrowly named
        # type (the subnet of ec2:CreateNetworkInterface) confines the whole action.
        return all(_type_wide(statement, f) for f in formats)
    return any(_type_wide(statement, f) for f in formats)


def _type_wide(statement: Statement, arn_format: str) -> bool:
    service = arn_format.split(":")[2] if arn_format.count(":") >= 5 else ""
    everything = arns.formats_for_service(service) or (arn_format,)
    return any(arns.scope(r, arn_format) == "wide" and arns.is_wide(r, everything) for r in statement.resources)


def sensitive(action: Action) -> str:
    """Why `action` may not run on every resource, or "" (List, Read of configuration, or no resource-level
    permission: AWS authorizes those only on "*")."""
    if not action.resource_level:
        return ""
    if action.access_level in SENSITIVE_LEVELS:
        return action.access_level
    if action.reads_data:
        return "Read of data"
    return ""


def unbounded(statement: Statement) -> list[Reach]:
    """Every sensitive action the Allow statement reaches on wide resources without a narrowing condition."""
    if not statement.allows:
        return []
    actions, _ = allowed_actions(statement)
    found = []
    for action in actions:
        level = sensitive(action)
        if not level or not wide_for(statement, action) or narrows_resources(statement, action):
            continue
        found.append(Reach(action, statement, level))
    return found
