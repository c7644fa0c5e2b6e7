"""JUnit XML: one test case per rule x resource, a suite per stack; suppressed cases are skipped with the reason."""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from xml.etree import ElementTree as ET


def render_junit(document: dict[str, Any]) -> str:
    by_stack: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for f in document["findings"]:
        by_stack[f["stack"]].append(f)
    root = ET.Element("testsuites", name="compliance-gate")
    for stack, findings in sorted(by_stack.items()):
        suite = ET.SubElement(
            root,
            "testsuite",
            name=stack,
            tests=str(len(findings)),
            failures=str(sum(f["status"] == "failed" for f in findings)),
            skipped=str(sum(f["status"] == "suppressed" for f in findings)),
            errors="0",
        )
        for f in findings:
            case = ET.SubElement(suite, "testcase", classname=f["rule_id"], name=f"{f['resource']} [{f['construct_path']}]")
            if f["status"] == "failed":
                failure = ET.SubElement(case, "failure", message=f["message"], type=f["severity"])
                failure.text = f"Fix: {f.get('fix', '')}\nControls: {', '.join(f['control_ids']) or '(none)'}"
            elif f["status"] == "suppressed":
                ET.SubElement(case, "skipped", message=f"suppressed: {f['suppression']['reason']}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
