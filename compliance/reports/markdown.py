"""A Markdown summary for pull requests: verdict, counts by status, each problem on one line (covered built-ins
folded), waivers, control coverage, suppressions."""

from __future__ import annotations

from typing import Any

from compliance.coverage import where
from policies.engine import STATUSES


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _also(finding: dict[str, Any]) -> str:
    return f" (also: {', '.join(finding['also'])})" if finding.get("also") else ""


def _problems(title: str, rows: list[dict[str, Any]], why: bool = False) -> list[str]:
    if not rows:
        return []
    extra = " why a warning |" if why else ""
    lines = [f"### {title}", "", f"| rule | severity | construct | resource | problem | fix | controls |{extra}"]
    lines.append("|---|---|---|---|---|---|---|" + ("---|" if why else ""))
    lines += [
        f"| {f['rule_id']} | {f['severity']} | `{_cell(where(f))}` | `{f['resource']}` | "
        f"{_cell(f['message'] + _also(f))} | {_cell(f.get('fix', ''))} | {', '.join(f['control_ids']) or '-'} |"
        + (f" {_cell(f['reason'])} |" if why else "")
        for f in rows
    ]
    return [*lines, ""]


def render_markdown(document: dict[str, Any]) -> str:
    summary = document["summary"]
    counts = summary["by_status"]
    verdict = "FAILED" if summary["verdict"] == "failed" else "PASSED"
    profile = document["profile"]
    lines = [
        f"## Compliance gate: {verdict}",
        "",
        f"Profile `{profile}` (fails at {document['thresholds'][profile]} and above) · "
        f"commit `{summary['git_commit'][:12]}` · {summary['generated_at']}",
        "",
        "| " + " | ".join(STATUSES) + " |",
        "|" + "---:|" * len(STATUSES),
        "| " + " | ".join(str(counts.get(s, 0)) for s in STATUSES) + " |",
        "",
    ]
    findings = document["findings"]
    lines += _problems("Failures", [f for f in findings if f["status"] == "failed"])
    lines += _problems(
        "Warnings (below the profile's threshold, or mapped to no control: never failing)",
        [f for f in findings if f["status"] == "warning"],
        why=True,
    )
    waived = [f for f in findings if f["status"] == "waived"]
    if waived:
        lines += ["### Waived by the project's policy", "", "| rule | construct | reason |", "|---|---|---|"]
        lines += [f"| {f['rule_id']}{_cell(_also(f))} | `{_cell(where(f))}` | {_cell(f['reason'])} |" for f in waived]
        lines.append("")
    if summary.get("notes"):
        lines += ["### Notes", "", *[f"- {_cell(n)}" for n in summary["notes"]], ""]
    lines += ["### Controls", "", "| control | status | IEC 62443-3-3 | NIST 800-53 | Security Hub |", "|---|---|---|---|---|"]
    lines += [
        f"| {c['id']} {_cell(c['title'])} | {c['status']} | {', '.join(c['mappings']['iec62443'])} | "
        f"{', '.join(c['mappings']['nist80053'])} | {', '.join(c['mappings']['securityhub']) or '-'} |"
        for c in summary["controls"]
    ]
    suppressed = [f for f in findings if f["status"] == "suppressed"]
    if suppressed:
        lines += ["", "### Suppressions", "", "| rule | construct | reason | by | expires |", "|---|---|---|---|---|"]
        lines += [
            f"| {f['rule_id']}{_cell(_also(f))} | `{_cell(where(f))}` | {_cell(f['suppression']['reason'])} | "
            f"{_cell(f['suppression']['source'])} | {f['suppression'].get('expires', '-')} |"
            for f in suppressed
        ]
    return "\n".join(lines) + "\n"
