"""A Markdown summary for pull requests: verdict, counts, failures with fixes, control coverage, suppressions."""

from __future__ import annotations

from typing import Any


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(document: dict[str, Any]) -> str:
    summary = document["summary"]
    counts = summary["by_status"]
    verdict = "FAILED" if summary["verdict"] == "failed" else "PASSED"
    lines = [
        f"## Compliance gate: {verdict}",
        "",
        f"Profile `{document['profile']}` · commit `{summary['git_commit'][:12]}` · {summary['generated_at']}",
        "",
        f"| failed | suppressed | passed |\n|---:|---:|---:|\n| {counts.get('failed', 0)} | "
        f"{counts.get('suppressed', 0)} | {counts.get('passed', 0)} |",
        "",
    ]
    failed = [f for f in document["findings"] if f["status"] == "failed"]
    if failed:
        lines += ["### Failures", "", "| rule | severity | construct | resource | problem | fix |", "|---|---|---|---|---|---|"]
        lines += [
            f"| {f['rule_id']} | {f['severity']} | `{_cell(f['construct_path'])}` | `{f['resource']}` | "
            f"{_cell(f['message'])} | {_cell(f.get('fix', ''))} |"
            for f in failed
        ]
        lines.append("")
    lines += ["### Controls", "", "| control | status | IEC 62443-3-3 | NIST 800-53 | Security Hub |", "|---|---|---|---|---|"]
    lines += [
        f"| {c['id']} {_cell(c['title'])} | {c['status']} | {', '.join(c['mappings']['iec62443'])} | "
        f"{', '.join(c['mappings']['nist80053'])} | {', '.join(c['mappings']['securityhub']) or '-'} |"
        for c in summary["controls"]
    ]
    suppressed = [f for f in document["findings"] if f["status"] == "suppressed"]
    if suppressed:
        lines += ["", "### Suppressions", "", "| rule | construct | reason |", "|---|---|---|"]
        lines += [f"| {f['rule_id']} | `{_cell(f['construct_path'])}` | {_cell(f['suppression']['reason'])} |" for f in suppressed]
    return "\n".join(lines) + "\n"
