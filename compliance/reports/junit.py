"""JUnit XML: one test case per rule x resource, a suite per stack. Failures fail; suppressed and waived cases are
skipped with the reason; warnings pass with the problem and why it is a warning in system-out."""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from xml.etree import ElementTree as ET

from compliance.coverage import where

SKIPPED = ("suppressed", "waived")


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
            skipped=str(sum(f["status"] in SKIPPED for f in findings)),
            errors="0",
        )
        for f in findings:
            case = ET.SubElement(suite, "testcase", classname=f["rule_id"], name=f"{f['resource']} [{where(f)}]")
            also = f" (also: {', '.join(f['also'])})" if f.get("also") else ""
            controls = ", ".join(f["control_ids"]) or "(none)"
            if f["status"] == "failed":
                failure = ET.SubElement(case, "failure", message=f["message"] + also, type=f["severity"])
                failure.text = f"Fix: {f.get('fix', '')}\nControls: {controls}"
            elif f["status"] in SKIPPED:
                ET.SubElement(case, "skipped", message=f"{f['status']}: {f['reason']}{also}")
            elif f["status"] == "warning":
                out = ET.SubElement(case, "system-out")
                out.text = (
                    f"WARNING [{f['severity']}] {f['message']}{also}. Fix: {f.get('fix', '')}. Controls: {controls}. "
                    f"{f['reason']}"
                )
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
