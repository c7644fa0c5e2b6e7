"""The compliance gate: Checkov (curated built-ins + our rulebook) over every synthesized stack, mapped back to
construct paths, with suppressions applied; writes findings.json and exits non-zero on any unsuppressed failure."""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compliance.catalog import Catalog, default_catalog
from compliance.stack_graph import stack_graph
from policies.curation import checkov_policy
from policies.engine import judge, matching_suppression
from policies.model import PROFILES, Resource, StackView
from policies.rulebook import all_rules, rule_by_id

EXTERNAL_CHECKS = Path(__file__).resolve().parent.parent / "policies" / "checkov"
SEVERITY_OF_BUILTIN = "medium"


class GateUsageError(ValueError):
    """The gate was pointed at something that is not cdktf output (exit 2)."""


@dataclass(frozen=True)
class StackFile:
    name: str
    path: Path

    def sha256(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def find_stacks(synth_dir: Path) -> list[StackFile]:
    if not synth_dir.exists():
        raise GateUsageError(f"{synth_dir}: no such directory; run `python -m infra` (or `cdktf synth`) first")
    if not synth_dir.is_dir():
        raise GateUsageError(f"{synth_dir}: not a directory; pass the cdktf output folder (e.g. cdktf.out)")
    stacks = sorted(synth_dir.glob("stacks/*/cdk.tf.json"))
    if not stacks:
        raise GateUsageError(
            f"{synth_dir}: not cdktf output (no stacks/*/cdk.tf.json); pass the folder `cdktf synth` wrote"
        )
    return [StackFile(p.parent.name, p) for p in stacks]


def skipped_checks(profile: str) -> dict[str, str]:
    """Built-in checks skipped for this profile, with their reasons."""
    policy = checkov_policy()
    skipped = {}
    for check_id, entry in (policy.get("skipped") or {}).items():
        if profile in (entry.get("profiles") or PROFILES):
            skipped[check_id] = entry["reason"]
    enforced_and_skipped = sorted(set(skipped) & set(policy.get("enforced") or {}))
    always = [c for c in enforced_and_skipped if not policy["skipped"][c].get("profiles")]
    if always:
        raise GateUsageError(
            "policies/checkov_policy.yaml skips enforced checks in every profile: " + ", ".join(always)
        )
    return skipped


def run_checkov(stack_dir: Path, profile: str, skip: list[str], only: list[str] | None = None) -> Any:
    os.environ.setdefault("BC_SKIP_MAPPING", "TRUE")
    os.environ.setdefault("CKV_SKIP_PACKAGE_UPDATE_CHECK", "TRUE")
    os.environ["GUARDRAILS_PROFILE"] = profile
    from checkov.runner_filter import RunnerFilter
    from checkov.terraform_json.runner import TerraformJsonRunner

    runner_filter = RunnerFilter(framework=["terraform_json"], skip_checks=skip, checks=only)
    return TerraformJsonRunner().run(
        root_folder=str(stack_dir), external_checks_dir=[str(EXTERNAL_CHECKS)], runner_filter=runner_filter
    )


def locate(view: StackView, checkov_resource: str) -> Resource | None:
    """Checkov names python-check results `resource.<name>` / `data.<name>` on cdk.tf.json: find the type again."""
    parts = checkov_resource.split(".")
    if parts[0] == "data":
        if len(parts) == 3:
            return view.get(parts[1], parts[2], "data")
        return next((r for r in view.resources(mode="data") if r.name == parts[-1]), None)
    if parts[0] == "resource":
        return next((r for r in view.resources() if r.name == parts[-1]), None)
    if len(parts) == 2:  # graph checks: type.name, for data sources too (without the data. prefix)
        return view.get(parts[0], parts[1]) or view.get(parts[0], parts[1], "data")
    return None


def twins(check_id: str) -> list[str]:
    """Our rules that declare this built-in Checkov check as testing the same thing."""
    return [r.id for r in all_rules() if check_id in r.checkov_ids]


def scan(synth_dir: Path, profile: str, catalog: Catalog | None = None) -> dict[str, Any]:
    catalog = catalog or default_catalog()
    if profile not in PROFILES:
        raise GateUsageError(f"--profile {profile!r}: expected one of {', '.join(PROFILES)}")
    stacks = find_stacks(synth_dir)
    skipped = skipped_checks(profile)
    findings: list[dict[str, Any]] = []
    graphs = {}
    started = time.perf_counter()
    for stack in stacks:
        view = StackView(json.loads(stack.path.read_text()), stack.name)
        graphs[stack.name] = stack_graph(view)
        report = run_checkov(stack.path.parent, profile, sorted(skipped))
        records = [(r, "failed") for r in report.failed_checks] + [(r, "passed") for r in report.passed_checks]
        for record, status in records:
            finding = _finding(view, record, status)
            finding["control_ids"] = catalog.controls_for(finding["rule_id"])
            findings.append(finding)
    return {
        "findings": findings,
        "stacks": [
            {"name": s.name, "file": str(s.path), "sha256": s.sha256(), "graph": graphs[s.name]} for s in stacks
        ],
        "skipped_checks": [{"check_id": k, "reason": v} for k, v in sorted(skipped.items())],
        "profile": profile,
        "scan_seconds": round(time.perf_counter() - started, 3),
    }


def _finding(view: StackView, record: Any, status: str) -> dict[str, Any]:
    resource = locate(view, record.resource)
    rule = rule_by_id(record.check_id)
    address = resource.address if resource else record.resource
    # Provider blocks carry no construct path: their findings belong to the stack.
    path = resource.construct_path if resource else view.stack
    message = record.check_name if status == "failed" else "compliant"
    suppression = None
    if status == "failed" and resource is not None:
        if rule is not None:  # our rule: the engine's verdict, with suppressions matched violation by violation
            ours = judge(rule, resource, view, os.environ.get("GUARDRAILS_PROFILE", "ephemeral"))
            message = ours.message if ours else message
            suppression = ours.suppression if ours and ours.status == "suppressed" else None
        else:
            for rule_id in (record.check_id, *twins(record.check_id)):
                suppression = matching_suppression(view.suppressions, rule_id, resource)
                if suppression:
                    break
    return {
        "rule_id": record.check_id,
        "engine": "guardrails" if rule else "checkov",
        "status": "suppressed" if suppression else status,
        "severity": rule.severity if rule else SEVERITY_OF_BUILTIN,
        "category": rule.category if rule else "checkov",
        "title": rule.title if rule else record.check_name,
        "stack": view.stack,
        "resource": address,
        "construct_path": path,
        "file": record.file_path,
        "lines": list(record.file_line_range or []),
        "message": message,
        "fix": rule.fix if rule else (record.guideline or f"see Checkov {record.check_id}"),
        "control_ids": [],
        "suppression": {"reason": suppression["reason"], "rule_id": suppression["rule_id"], "path": suppression["path"]}
        if suppression
        else None,
    }


def failed(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in result["findings"] if f["status"] == "failed"]


def failure_lines(result: dict[str, Any]) -> list[str]:
    return [
        f"FAIL {f['rule_id']} [{f['severity']}] {f['construct_path'] or f['resource']} ({f['resource']}): "
        f"{f['message']}. Fix: {f['fix']}"
        for f in failed(result)
    ]
