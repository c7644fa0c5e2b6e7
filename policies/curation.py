"""The curated Checkov policy (policies/checkov_policy.yaml): enforced, suppressible and skipped built-in checks."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

CHECKOV_POLICY = Path(__file__).resolve().parent / "checkov_policy.yaml"


@cache
def checkov_policy() -> dict:
    return yaml.safe_load(CHECKOV_POLICY.read_text())


def built_in_ids() -> set[str]:
    policy = checkov_policy()
    return {i for section in ("enforced", "suppressible", "skipped") for i in policy.get(section) or {}}
