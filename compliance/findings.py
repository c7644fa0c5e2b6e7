"""The findings document: summary block (counts, versions, commit, time, artifact hashes) and schema validation."""

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

from compliance.catalog import Catalog, default_catalog
from compliance.coverage import control_status, framework_matrix

SCHEMA = Path(__file__).resolve().parent / "schemas" / "findings.schema.json"
TOOLS = ("checkov", "cdktf", "cdktf-cdktf-provider-aws", "jsonschema")


class FindingsError(ValueError):
    """A findings document does not match its schema."""


@cache
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA.read_text())


@cache
def _validator() -> Any:
    return jsonschema_rs.validator_for(schema())


def schema_errors(validator: Any, document: Any) -> tuple[str, int]:
    """(where and what of the first error, how many), or ("", 0): jsonschema-rs, Draft 2020-12."""
    errors = sorted(validator.iter_errors(document), key=lambda e: [str(p) for p in e.instance_path])
    if not errors:
        return "", 0
    where = "/".join(str(p) for p in errors[0].instance_path) or "(top level)"
    return f"{where}: {errors[0].message}", len(errors)


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


def with_summary(result: dict[str, Any], catalog: Catalog | None = None) -> dict[str, Any]:
    catalog = catalog or default_catalog()
    findings = result["findings"]
    controls = control_status(catalog, findings)
    frameworks = framework_matrix(controls)
    document = dict(result)
    checks = {
        status: sorted({f["rule_id"] for f in findings if f["status"] == status})
        for status in ("failed", "warning", "advisory")
    }
    document["summary"] = {
        "verdict": "failed" if any(f["status"] == "failed" for f in findings) else "passed",
        "by_status": dict(Counter(f["status"] for f in findings)),
        "checks": checks,  # the distinct rules and built-ins failing, warning and advisory
        "by_severity": dict(Counter(f["severity"] for f in findings if f["status"] == "failed")),
        "by_category": dict(Counter(f.get("category", "") for f in findings if f["status"] == "failed")),
        "by_engine": dict(Counter(f["engine"] for f in findings)),
        "profile": result["profile"],
        "tool_versions": {"python": sys.version.split()[0], **{t: _version(t) for t in TOOLS}},
        "git_commit": git_commit(),
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "stack_sha256": {s["name"]: s["sha256"] for s in result["stacks"]},
        "controls": controls,
        "frameworks": frameworks,
        "by_framework": {
            name: dict(Counter(cell["status"] for cell in cells.values())) for name, cells in frameworks.items()
        },
    }
    return document
