"""The findings document (findings.json): each judged (rule or check, resource) pair as a finding, the summary
(counts, versions, commit, time, artifact hashes, control coverage), and schema validation. Version 2 has the five
statuses; a version-1 document (seven statuses) is read by mapping its statuses (`upgrade`)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import jsonschema_rs

from compliance.coverage import control_status, framework_matrix
from policies.catalog import Catalog, default_catalog, schema_errors
from policies.engine import NO_CONTROL, PROBLEMS, STATUSES, Outcome
from policies.suppressions import EXPIRING

SCHEMA = Path(__file__).resolve().parent / "schemas" / "findings.schema.json"
SCHEMA_VERSION = 2
TOOLS = ("checkov", "cdktf", "cdktf-cdktf-provider-aws", "jsonschema")
# Version 1's seven statuses as version 2 names them: advisory -> warning (mapped to no control); exempt and
# replaced -> waived (the project's own policy, with its reason).
V1_STATUS = {"advisory": "warning", "exempt": "waived", "replaced": "waived"}


class FindingsError(ValueError):
    """A findings document does not match its schema."""


def finding(outcome: Outcome, stack: str, file: str, ranges: dict[str, tuple[int, int]]) -> dict[str, Any]:
    """An outcome as findings.json holds it, with the file and lines of its block."""
    first, last = ranges.get(outcome.address, (1, 1))
    return {
        "rule_id": outcome.id,
        "engine": outcome.engine,
        "status": outcome.status,
        "severity": outcome.severity,
        "category": outcome.category,
        "title": outcome.title,
        "stack": stack,
        "resource": outcome.address,
        "construct_path": outcome.construct_path,
        "file": file,
        "lines": [first, last],
        "message": outcome.message,
        "fix": outcome.fix,
        "control_ids": list(outcome.controls),
        "also": list(outcome.also),
        "reason": outcome.reason,
        "suppression": outcome.suppression,
        "instances": list(outcome.instances),
        "names": list(outcome.names),
    }


def outcome_of(found: dict[str, Any]) -> Outcome:
    """The outcome a finding of findings.json records (to print its line)."""
    return Outcome(
        id=found["rule_id"],
        engine=found["engine"],
        title=found.get("title", found["rule_id"]),
        severity=found["severity"],
        category=found.get("category", ""),
        stack=found["stack"],
        address=found["resource"],
        construct_path=found["construct_path"],
        status=found["status"],
        message=found["message"],
        fix=found.get("fix", ""),
        controls=tuple(found["control_ids"]),
        also=tuple(found.get("also") or ()),
        reason=found.get("reason", ""),
        suppression=found.get("suppression"),
        instances=tuple(found.get("instances") or ()),
        names=tuple(found.get("names") or ()),
    )


def problem_findings(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Failures, then warnings, each by construct path and rule."""
    order = {status: i for i, status in enumerate(PROBLEMS)}
    return sorted(
        (f for f in findings if f["status"] in order),
        key=lambda f: (order[f["status"]], f["construct_path"], f["rule_id"]),
    )


def expiring(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Suppressed findings whose acceptance ends within 14 days: their lines are printed with the date."""
    return [f for f in findings if f["status"] == "suppressed" and EXPIRING in f.get("reason", "")]


def upgrade(document: Any) -> Any:
    """A version-1 findings document as version 2: its statuses mapped (V1_STATUS), a warning's and a waived
    finding's reason kept, and the reason of a mapped-to-nothing warning stated. Version 2 is returned as it is."""
    if not isinstance(document, dict) or document.get("schema_version", 1) != 1 or "findings" not in document:
        return document
    upgraded = {**document, "schema_version": SCHEMA_VERSION}
    findings = []
    for found in document["findings"] if isinstance(document["findings"], list) else []:
        if not isinstance(found, dict):
            findings.append(found)
            continue
        found = {k: v for k, v in found.items() if k != "promoted"}
        status = found.get("status")
        if status == "advisory":
            found["reason"] = NO_CONTROL
        if isinstance(found.get("suppression"), dict):
            found["suppression"] = {"source": "suppress", **found["suppression"]}
        found["status"] = V1_STATUS.get(status, status)
        findings.append(found)
    upgraded["findings"] = findings
    summary = document.get("summary")
    if isinstance(summary, dict):
        by_status: Counter[str] = Counter()
        for status, count in (summary.get("by_status") or {}).items():
            by_status[V1_STATUS.get(status, status)] += count
        checks = dict(summary.get("checks") or {})
        checks["warning"] = sorted({*checks.get("warning", []), *checks.pop("advisory", [])})
        upgraded["summary"] = {**summary, "by_status": dict(by_status), "checks": checks}
    return upgraded


@cache
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA.read_text())


@cache
def _validator() -> Any:
    return jsonschema_rs.validator_for(schema())


def validate_findings(document: dict[str, Any]) -> None:
    first, count = schema_errors(_validator(), document)
    if count:
        raise FindingsError(f"findings document invalid at {first} ({count} error(s))")


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


def git_commit(directory: Path | None = None) -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=directory, capture_output=True, text=True, timeout=5, check=True
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], cwd=directory, capture_output=True, text=True, timeout=5, check=True
        )
        return out.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _stale(result: dict[str, Any]) -> list[str]:
    baseline = result.get("baseline")
    return [
        f"baseline {baseline['file']}: the entry for {e['rule_id']} on {e['stack']}/{e['path']} matches nothing any "
        "more (fixed or moved): remove it"
        for e in (baseline or {}).get("stale", [])
    ]


def with_summary(result: dict[str, Any], catalog: Catalog | None = None) -> dict[str, Any]:
    catalog = catalog or default_catalog()
    findings = result["findings"]
    controls = control_status(catalog, findings)
    frameworks = framework_matrix(controls)
    document = dict(result)
    checks = {status: sorted({f["rule_id"] for f in findings if f["status"] == status}) for status in PROBLEMS}
    counts = Counter(f["status"] for f in findings)
    document["summary"] = {
        "verdict": "failed" if counts["failed"] else "passed",
        "by_status": {status: counts[status] for status in STATUSES},
        "checks": checks,  # the distinct rules and built-ins failing and warning
        "by_severity": dict(Counter(f["severity"] for f in findings if f["status"] == "failed")),
        "by_category": dict(Counter(f.get("category", "") for f in findings if f["status"] == "failed")),
        "by_engine": dict(Counter(f["engine"] for f in findings)),
        "profile": result["profile"],
        "tool_versions": {"python": sys.version.split()[0], **{t: _version(t) for t in TOOLS}},
        "git_commit": git_commit(),
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "stack_sha256": {s["name"]: s["sha256"] for s in result["stacks"]},
        "notes": [f"{s['name']}: {n}" for s in result["stacks"] for n in s.get("notes", [])] + _stale(result),
        "controls": controls,
        "frameworks": frameworks,
        "by_framework": {
            name: dict(Counter(cell["status"] for cell in cells.values())) for name, cells in frameworks.items()
        },
    }
    return document
