"""SARIF 2.1.0 for code scanning: one rule per check, results with the synthesized file, lines and construct path.
Failures at their severity's level, warnings as warnings; a suppressed result carries an in-source suppression
(the stack's author accepted it in the code) or an external one (a baseline file), a waived one an external
suppression (the project's policy), each with its justification."""

from __future__ import annotations

import json
from typing import Any

LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}
SUPPRESSION_KIND = {"suppressed": "inSource", "waived": "external"}


def render_sarif(document: dict[str, Any]) -> str:
    findings = [f for f in document["findings"] if f["status"] not in ("passed",)]
    rules: dict[str, dict[str, Any]] = {}
    for f in document["findings"]:
        rules.setdefault(
            f["rule_id"],
            {
                "id": f["rule_id"],
                "name": f.get("title", f["rule_id"]),
                "shortDescription": {"text": f.get("title", f["rule_id"])},
                "fullDescription": {"text": f.get("title", f["rule_id"])},
                "help": {"text": f.get("fix", "")},
                "defaultConfiguration": {"level": LEVEL[f["severity"]]},
                "properties": {
                    "tags": ["security", f.get("category", ""), *f["control_ids"]],
                    "security-severity": SECURITY_SEVERITY[f["severity"]],
                },
            },
        )
    files = {s["name"]: s["file"] for s in document["stacks"]}
    results = []
    for f in findings:
        lines = f.get("lines") or [1, 1]
        also = f" (also: {', '.join(f['also'])})" if f.get("also") else ""
        level = "warning" if f["status"] == "warning" else LEVEL[f["severity"]]
        result: dict[str, Any] = {
            "ruleId": f["rule_id"],
            "level": level,
            "message": {"text": f"{f['message']}{also} ({f['construct_path']})"},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": files.get(f["stack"], f.get("file", ""))},
                        "region": {"startLine": max(1, lines[0]), "endLine": max(1, lines[-1])},
                    },
                    "logicalLocations": [
                        {"fullyQualifiedName": f["construct_path"], "name": f["resource"], "kind": "resource"}
                    ],
                }
            ],
            "properties": {"controls": f["control_ids"], "engine": f["engine"], "status": f["status"], "also": f["also"]},
        }
        if f["status"] in SUPPRESSION_KIND:
            # the stack's author accepted it in the code (inSource); a baseline file or the project's policy did
            # outside it (external)
            source = (f.get("suppression") or {}).get("source", "")
            kind = "external" if source.startswith("baseline") else SUPPRESSION_KIND[f["status"]]
            result["suppressions"] = [{"kind": kind, "status": "accepted", "justification": f["reason"]}]
        results.append(result)
    sarif = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "iot-platform-compliance-gate",
                        "version": document["summary"]["tool_versions"].get("checkov", ""),
                        "informationUri": "https://www.checkov.io/",
                        "rules": sorted(rules.values(), key=lambda r: r["id"]),
                    }
                },
                "results": results,
                "properties": {"profile": document["profile"], "commit": document["summary"]["git_commit"]},
            }
        ],
    }
    return json.dumps(sarif, indent=2)
