"""Control coverage: each control's status from the findings of its rules and built-ins, and the same per framework
identifier. Resources are named by construct path (stack/construct), unambiguous across stacks."""

from __future__ import annotations

from typing import Any

from policies.catalog import FRAMEWORKS, Catalog

ORDER = {"failed": 0, "passed": 1, "not evaluated": 2}
# A warning, a suppression (with its reason) and a waiver evaluate a control without failing it.
EVALUATED = ("passed", "warning", "suppressed", "waived")


def where(finding: dict[str, Any]) -> str:
    """A finding's resource for people: its construct path, or stack + address for blocks without one."""
    path = finding.get("construct_path") or ""
    if path and path != finding["stack"]:
        return path
    return f"{finding['stack']}/{finding['resource']}"


def control_status(catalog: Catalog, findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_rule: dict[str, list[dict[str, Any]]] = {}
    for f in findings:
        by_rule.setdefault(f["rule_id"], []).append(f)
        for twin in f.get("also") or ():
            by_rule.setdefault(twin, []).append(f)
    rows = []
    for control in catalog.controls:
        mine = [f for rule_id in control.enforced_by for f in by_rule.get(rule_id, [])]
        failed = sorted({where(f) for f in mine if f["status"] == "failed"})
        warned = sorted({where(f) for f in mine if f["status"] == "warning"})
        excepted = sorted({where(f) for f in mine if f["status"] in ("suppressed", "waived")})
        passed = {where(f) for f in mine if f["status"] == "passed"}
        evaluated = any(f["status"] in EVALUATED for f in mine)
        status = "failed" if failed else "passed" if evaluated else "not evaluated"
        rows.append(
            {
                "id": control.id,
                "title": control.title,
                "objective": control.objective,
                "status": status,
                "severity": control.severity,
                "rules": list(control.rules),
                "checkov": list(control.checkov),
                "mappings": {k: list(v) for k, v in control.mappings.items()},
                "resources_failed": failed,
                "resources_warned": warned,
                "resources_suppressed": excepted,
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
