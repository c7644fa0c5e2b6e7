"""The curated Checkov policy (policies/checkov_policy.yaml): thresholds, enforced, suppressible, promoted, replaced
and skipped built-in checks. Read once per process; a malformed policy is refused with the field at fault."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from policies.model import PROFILES, SEVERITIES

CHECKOV_POLICY = Path(__file__).resolve().parent / "checkov_policy.yaml"
SECTIONS = ("enforced", "suppressible", "promoted", "replaced", "skipped")


class CurationError(ValueError):
    """policies/checkov_policy.yaml is malformed."""


@dataclass(frozen=True)
class Replacement:
    """Our rules replace a built-in on these resource types (see `replaced` in the policy)."""

    check_id: str
    types: frozenset[str]
    by: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class Promotion:
    check_id: str
    severity: str
    reason: str


@dataclass(frozen=True)
class Policy:
    thresholds: dict[str, str]
    enforced: dict[str, str]
    suppressible: dict[str, str]
    promoted: dict[str, Promotion]
    replaced: dict[str, Replacement]
    skipped: dict[str, dict[str, Any]]

    def threshold(self, profile: str) -> str:
        return self.thresholds[profile]

    def skipped_for(self, profile: str) -> dict[str, str]:
        """Built-in checks not run in this profile, with their reasons."""
        return {
            check_id: entry["reason"]
            for check_id, entry in self.skipped.items()
            if profile in (entry.get("profiles") or PROFILES)
        }

    def ids(self) -> set[str]:
        return set(self.enforced) | set(self.suppressible) | set(self.promoted) | set(self.replaced) | set(self.skipped)


def fails(severity: str, threshold: str) -> bool:
    """Is `severity` at or above `threshold` (critical > high > medium > low)?"""
    return SEVERITIES.index(severity) <= SEVERITIES.index(threshold)


def parse_policy(document: Any, source: str = "policies/checkov_policy.yaml") -> Policy:
    def refuse(where: str, what: str) -> CurationError:
        return CurationError(f"{source}: {where}: {what}")

    if not isinstance(document, dict):
        raise refuse("(top level)", "expected a mapping")
    unknown = sorted(set(document) - {"thresholds", *SECTIONS})
    if unknown:
        raise refuse("(top level)", f"unknown section(s) {', '.join(unknown)}")
    thresholds = document.get("thresholds") or {}
    if not isinstance(thresholds, dict) or set(thresholds) != set(PROFILES):
        raise refuse("thresholds", f"give one severity per profile ({', '.join(PROFILES)})")
    for profile, severity in thresholds.items():
        if severity not in SEVERITIES:
            raise refuse(f"thresholds.{profile}", f"{severity!r} is not one of {', '.join(SEVERITIES)}")
    sections = {}
    for name in SECTIONS:
        value = document.get(name) or {}
        if not isinstance(value, dict):
            raise refuse(name, "expected a mapping of check id to entry")
        sections[name] = value
    promoted = {}
    for check_id, entry in sections["promoted"].items():
        reason = str(entry.get("reason", "")) if isinstance(entry, dict) else ""
        if not isinstance(entry, dict) or entry.get("severity") not in SEVERITIES or len(reason) < 10:
            raise refuse(f"promoted.{check_id}", "needs a severity and a reason of at least 10 characters")
        promoted[check_id] = Promotion(check_id, entry["severity"], entry["reason"].strip())
    replaced = {}
    for check_id, entry in sections["replaced"].items():
        if not isinstance(entry, dict):
            raise refuse(f"replaced.{check_id}", "expected types, by and reason")
        types, by, reason = entry.get("types"), entry.get("by"), str(entry.get("reason") or "")
        if not isinstance(types, list) or not types or not isinstance(by, list) or not by or len(reason) < 10:
            raise refuse(f"replaced.{check_id}", "needs types, by (our rule ids) and a reason of 10 characters or more")
        replaced[check_id] = Replacement(check_id, frozenset(types), tuple(by), " ".join(reason.split()))
    for check_id, entry in sections["skipped"].items():
        if not isinstance(entry, dict) or len(str(entry.get("reason", ""))) < 10:
            raise refuse(f"skipped.{check_id}", "needs a reason of at least 10 characters")
        bad = [p for p in entry.get("profiles") or [] if p not in PROFILES]
        if bad:
            raise refuse(f"skipped.{check_id}.profiles", f"unknown profile(s) {', '.join(bad)}")
    return Policy(
        dict(thresholds),
        dict(sections["enforced"]),
        dict(sections["suppressible"]),
        promoted,
        replaced,
        dict(sections["skipped"]),
    )


@cache
def checkov_policy() -> dict:
    try:
        return yaml.safe_load(CHECKOV_POLICY.read_text())
    except yaml.YAMLError as error:
        raise CurationError(f"{CHECKOV_POLICY}: not valid YAML ({' '.join(str(error).split())})") from None


@cache
def policy() -> Policy:
    return parse_policy(checkov_policy())


def built_in_ids() -> set[str]:
    return policy().ids()
