"""The rulebook as Checkov checks: one check per rule, calling the same rule function over the same stack view.

Checkov hands a check one resource; rules that follow references (a bucket and its split encryption resource)
need the whole stack, so the adapter reads the scanned cdk.tf.json once (cached by path and mtime).
Profile: GUARDRAILS_PROFILE (ephemeral by default), as for the Aspect.
"""

from __future__ import annotations

import inspect
import json
import os
import sys
from functools import lru_cache
from pathlib import Path

try:
    import policies  # noqa: F401
except ImportError:  # loaded by plain `checkov --external-checks-dir policies/checkov` from another folder
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.data.base_check import BaseDataCheck
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

from policies.model import Rule, StackView
from policies.rulebook import all_rules

CATEGORY = {
    "encryption": CheckCategories.ENCRYPTION,
    "transport": CheckCategories.ENCRYPTION,
    "privilege": CheckCategories.IAM,
    "tagging": CheckCategories.CONVENTION,
    "logging": CheckCategories.LOGGING,
    "secrets": CheckCategories.SECRETS,
    "resilience": CheckCategories.BACKUP_AND_RECOVERY,
}


@lru_cache(maxsize=32)
def _view(path: str, mtime: float) -> StackView:
    return StackView(json.loads(Path(path).read_text()))


def scanned_file() -> str | None:
    """The absolute path of the file Checkov is scanning, taken from its runner's frame."""
    frame = inspect.currentframe()
    while frame is not None:
        path = frame.f_locals.get("full_file_path")
        if isinstance(path, str) and path.endswith(".json"):
            return path
        frame = frame.f_back
    return None


def evaluate(rule: Rule, entity_path: str, mode: str) -> CheckResult:
    path = scanned_file()
    if path is None:
        return CheckResult.UNKNOWN
    _, rtype, name = entity_path.rsplit(":", 2)
    view = _view(path, os.path.getmtime(path))
    resource = view.get(rtype, name, mode)
    if resource is None:
        return CheckResult.UNKNOWN
    verdict = rule.evaluate(resource, view, os.environ.get("GUARDRAILS_PROFILE", "ephemeral"))
    if verdict is None:
        return CheckResult.UNKNOWN
    return CheckResult.PASSED if verdict.passed else CheckResult.FAILED


def _supported(rule: Rule) -> list[str]:
    return ["aws_*"] if "*" in rule.resource_types else list(rule.resource_types)


def _resource_check(rule: Rule) -> BaseResourceCheck:
    class GuardrailResourceCheck(BaseResourceCheck):
        def __init__(self) -> None:
            super().__init__(
                name=rule.title,
                id=rule.id,
                categories=[CATEGORY[rule.category]],
                supported_resources=_supported(rule),
                guideline=rule.fix,
            )

        def scan_resource_conf(self, conf):
            return evaluate(rule, self.entity_path, "resource")

    return GuardrailResourceCheck()


def _data_check(rule: Rule) -> BaseDataCheck:
    class GuardrailDataCheck(BaseDataCheck):
        def __init__(self) -> None:
            super().__init__(
                name=rule.title,
                id=rule.id,
                categories=[CATEGORY[rule.category]],
                supported_data=_supported(rule),
            )

        def scan_data_conf(self, conf):
            return evaluate(rule, self.entity_path, "data")

    return GuardrailDataCheck()


CHECKS = [_resource_check(rule) for rule in all_rules() if "resource" in rule.modes]
DATA_CHECKS = [_data_check(rule) for rule in all_rules() if "data" in rule.modes]
