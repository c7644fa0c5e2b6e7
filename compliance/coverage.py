"""Control coverage: each control's status from the findings of its rules, and the same per framework identifier."""

from __future__ import annotations

from typing import Any

from compliance.catalog import FRAMEWORKS, Catalog

ORDER = {"failed": 0, "passed": 1, "not evaluated": 2}


def control_status(catalog: Catalog, findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for control in catalog.controls:
        mine = [f for f in findings if f["rule_id"] in control.rules]
        failed = sorted({f["resource"] for f in mine if f["status"] == "failed"})
        suppressed = sorted({f["resource"] for f in mine if f["status"] == "suppressed"})
        passed = sorted({f["resource"] for f in mine if f["status"] == "passed"})
        status = "failed" if failed else "passed" if (passed or suppressed) else "not evaluated"
        rows.append(
            {
                "id": control.id,
                "title": control.title,
                "objective": control.objective,
                "status": status,
                "rules": list(control.rules),
                "mappings": {k: list(v) for k, v in control.mappings.items()},
                "resources_failed": failed,
                "resources_suppressed": suppressed,
                "resources_passed": len(passed),
            }
        )
    return rows


def framework_matrix(controls: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    """framework -> identifier -> {status, controls}: the worst status of the controls that map to it."""
    matrix: dict[str, dict[str, dict[str, Any]]] = {f: {} for f in FRAMEWORKS}
    for control in controls:
        for framework in FRAMEWORKS:
            for identifier in control["mappings"].get(framework, []):
                cell = matrix[framework].setdefault(identifier, {"status": "not evaluated", "controls": []})
                cell["controls"].append(control["id"])
                if ORDER[control["status"]] < ORDER[cell["status"]]:
                    cell["status"] = control["status"]
    return matrix
