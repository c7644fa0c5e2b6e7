"""The rulebook as Checkov checks, for plain `checkov -d <dir> --framework terraform_json --external-checks-dir
policies/checkov`: one check per rule, judged by the path the Aspect and the gate use (policies.engine.judge_stack:
suppressions, waivers and the profile's threshold included), over the same stack view.

Checkov hands a check one resource; rules that follow references (a bucket and its split encryption resource)
need the whole stack, so the adapter reads the scanned cdk.tf.json (cached by path and mtime). Checkov names the
file relative to the folder it scans (`-d DIR`, several allowed) or, for `-f FILE`, to the working directory: the
adapter looks there, and takes the file only if it holds this resource (type, name and cdktf construct path).

It fails closed: a resource whose stack file cannot be found or read, or an unknown profile, is FAILED with the
reason in the result's details, never UNKNOWN or PASSED. Statuses: failed -> FAILED; warning and suppressed ->
SKIPPED (not a failure, with the reason); passed and waived -> PASSED; a rule that does not apply to the resource
says nothing (UNKNOWN, not reported).
Profile: GUARDRAILS_PROFILE (ephemeral by default), baseline: GUARDRAILS_BASELINE; plain Checkov has no flag for
them. The gate takes --profile and --baseline.
"""

from __future__ import annotations

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
from checkov.terraform.checks.module.base_module_check import BaseModuleCheck
from checkov.terraform.checks.resource.base_resource_check import BaseResourceCheck

from policies.baseline import ENV as BASELINE_ENV
from policies.baseline import load as load_baseline
from policies.engine import Outcome, judge_stack
from policies.model import Rule, StackView
from policies.profiles import PROFILES
from policies.rulebook import all_rules

CATEGORY = {
    "encryption": CheckCategories.ENCRYPTION,
    "transport": CheckCategories.ENCRYPTION,
    "privilege": CheckCategories.IAM,
    "tagging": CheckCategories.CONVENTION,
    "logging": CheckCategories.LOGGING,
    "secrets": CheckCategories.SECRETS,
    "resilience": CheckCategories.BACKUP_AND_RECOVERY,
    "hardening": CheckCategories.GENERAL_SECURITY,
}
VERDICT = {
    "failed": CheckResult.FAILED,
    "warning": CheckResult.SKIPPED,
    "suppressed": CheckResult.SKIPPED,
    "waived": CheckResult.PASSED,
    "passed": CheckResult.PASSED,
}


class Unjudgeable(Exception):
    """The adapter cannot judge this resource: the message says why (the result is FAILED)."""


@lru_cache(maxsize=32)
def _view(path: str, mtime: float) -> StackView:
    baseline = os.environ.get(BASELINE_ENV)
    accepted = load_baseline(baseline) if baseline else None
    return StackView(json.loads(Path(path).read_text()), folder=Path(path).parent, baseline=accepted)


@lru_cache(maxsize=32)
def _outcomes(path: str, mtime: float, profile: str) -> dict[tuple[str, str], Outcome]:
    """Our rules' outcomes on every resource of the stack file (Checkov runs its built-ins itself)."""
    return {(o.address, o.id): o for o in judge_stack(_view(path, mtime), [], profile)}


def scan_roots(argv: list[str] | None = None) -> list[Path]:
    """The folders Checkov resolves scanned file names against: every `-d`/`--directory`, then the working
    directory (Checkov names `-f` files relative to it)."""
    argv = sys.argv[1:] if argv is None else argv
    roots = []
    for index, arg in enumerate(argv):
        if arg in ("-d", "--directory") and index + 1 < len(argv):
            roots.append(Path(argv[index + 1]))
        elif arg.startswith("--directory="):
            roots.append(Path(arg.split("=", 1)[1]))
    return [*roots, Path.cwd()]


def locate(entity_path: str, conf: dict, mode: str) -> tuple[str, float, str]:
    """(stack file, its mtime, address) of the resource Checkov is scanning; Unjudgeable when no scanned file
    holds it."""
    scanned, rtype, name = entity_path.rsplit(":", 2)
    construct = _construct_path(conf)
    tried = []
    for root in scan_roots():
        candidate = (root / scanned.lstrip("/")).resolve()
        tried.append(str(candidate))
        if not candidate.is_file():
            continue
        try:
            view = _view(str(candidate), candidate.stat().st_mtime)
        except (OSError, ValueError) as error:
            raise Unjudgeable(f"{candidate}: cannot read the stack ({error})") from None
        resource = view.get(rtype, name, mode)
        if resource is not None and (not construct or resource.construct_path == construct):
            return str(candidate), candidate.stat().st_mtime, resource.address
    raise Unjudgeable(
        f"no scanned stack file holds {mode} {rtype}.{name} (looked for {', '.join(tried)}); run Checkov with "
        "-d <folder holding the cdk.tf.json>"
    )


def _construct_path(conf: dict) -> str:
    meta = conf.get("//") if isinstance(conf, dict) else None
    meta = meta[0] if isinstance(meta, list) and meta else meta
    path = (meta or {}).get("metadata", {}).get("path", "") if isinstance(meta, dict) else ""
    return path if isinstance(path, str) else ""


def verdict(rule: Rule, entity_path: str, conf: dict, mode: str) -> tuple[CheckResult, str]:
    """The engine's verdict on the scanned resource, as a Checkov result and its details."""
    profile = os.environ.get("GUARDRAILS_PROFILE", "ephemeral")
    if profile not in PROFILES:
        return CheckResult.FAILED, f"GUARDRAILS_PROFILE={profile!r} is not one of {', '.join(PROFILES)}"
    try:
        path, mtime, address = locate(entity_path, conf, mode)
    except Unjudgeable as why:
        return CheckResult.FAILED, str(why)
    outcome = _outcomes(path, mtime, profile).get((address, rule.id))
    if outcome is None:
        return CheckResult.UNKNOWN, ""
    return VERDICT[outcome.status], outcome.reason or outcome.message


def _supported(rule: Rule) -> list[str]:
    return ["aws_*"] if "*" in rule.resource_types else list(rule.resource_types)


def _scan(check, conf, mode: str) -> CheckResult:
    result, detail = verdict(check.rule, check.entity_path, conf, mode)
    if detail and result != CheckResult.PASSED:
        check.details.append(detail)
    return result


def _resource_check(rule: Rule) -> BaseResourceCheck:
    class GuardrailResourceCheck(BaseResourceCheck):
        def __init__(self) -> None:
            self.rule = rule
            super().__init__(
                name=rule.title,
                id=rule.id,
                categories=[CATEGORY[rule.category]],
                supported_resources=_supported(rule),
                guideline=rule.fix,
            )

        def scan_resource_conf(self, conf):
            return _scan(self, conf, "resource")

    return GuardrailResourceCheck()


def _data_check(rule: Rule) -> BaseDataCheck:
    class GuardrailDataCheck(BaseDataCheck):
        def __init__(self) -> None:
            self.rule = rule
            super().__init__(
                name=rule.title,
                id=rule.id,
                categories=[CATEGORY[rule.category]],
                supported_data=_supported(rule),
            )

        def scan_data_conf(self, conf):
            return _scan(self, conf, "data")

    return GuardrailDataCheck()


def _module_check(rule: Rule) -> BaseModuleCheck:
    class GuardrailModuleCheck(BaseModuleCheck):
        def __init__(self) -> None:
            self.rule = rule
            super().__init__(name=rule.title, id=rule.id, categories=[CATEGORY[rule.category]], guideline=rule.fix)

        def scan_module_conf(self, conf):
            return _scan(self, conf, "module")

    return GuardrailModuleCheck()


CHECKS = [_resource_check(rule) for rule in all_rules() if "resource" in rule.modes]
DATA_CHECKS = [_data_check(rule) for rule in all_rules() if "data" in rule.modes]
MODULE_CHECKS = [_module_check(rule) for rule in all_rules() if "module" in rule.modes]
