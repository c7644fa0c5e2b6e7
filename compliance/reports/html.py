"""The auditor report: one self-contained HTML file (inline CSS and SVG, no scripts, no network)."""

from __future__ import annotations

import math
from collections import Counter
from html import escape
from typing import Any

from compliance.coverage import where
from policies.engine import STATUSES

FRAMEWORK_TITLES = {
    "iec62443": "IEC 62443-3-3 system requirements",
    "nist80053": "NIST SP 800-53 Rev. 5",
    "securityhub": "AWS Security Hub controls",
    "config": "AWS Config managed rules (detective, after deploy)",
}
SHORT = {"iec62443": "IEC 62443-3-3", "nist80053": "NIST 800-53", "securityhub": "Security Hub", "config": "AWS Config"}
COLOURS = {"failed": "#c62828", "warning": "#b26a00", "suppressed": "#ef8f00", "waived": "#00838f",
           "passed": "#2e7d32", "not evaluated": "#757575"}
BARS = STATUSES
CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
main{max-width:1180px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:32px 0 8px;border-bottom:2px solid #dfe3ea;padding-bottom:4px}
h3{font-size:16px;margin:18px 0 6px}
.verdict{padding:16px 20px;border-radius:8px;color:#fff;font-size:20px;font-weight:600}
.failed{background:#c62828}.passed{background:#2e7d32}
table{border-collapse:collapse;width:100%;background:#fff;margin:6px 0 12px;font-size:13px}
th,td{border:1px solid #dfe3ea;padding:5px 8px;text-align:left;vertical-align:top}th{background:#eef1f5}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;word-break:break-all}
.tag{display:inline-block;padding:1px 7px;border-radius:10px;color:#fff;font-size:12px;white-space:nowrap}
.card{background:#fff;border:1px solid #dfe3ea;border-radius:8px;padding:12px 16px;margin:10px 0}
.muted{color:#5f6b7a}.grid{display:grid;grid-template-columns:1fr 1fr;gap:16px}
svg text{font:11px system-ui,sans-serif}
"""


def _tag(status: str) -> str:
    return f'<span class="tag" style="background:{COLOURS.get(status, "#757575")}">{escape(status)}</span>'


def _table(headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def posture_chart(findings: list[dict[str, Any]]) -> str:
    """Horizontal stacked bars per category (policies/model.py CATEGORIES), one colour per status."""
    counts: dict[str, Counter[str]] = {}
    for f in findings:
        counts.setdefault(f.get("category", "other"), Counter())[f["status"]] += 1
    width, bar_h, left = 560, 22, 110
    height = 40 + bar_h * len(counts) * 1.4
    biggest = max((sum(c.values()) for c in counts.values()), default=1)
    parts = [f'<svg role="img" aria-label="posture by category" width="{width}" height="{height:.0f}">']
    for i, (category, c) in enumerate(sorted(counts.items())):
        y, x = 10 + i * bar_h * 1.4, left
        parts.append(f'<text x="0" y="{y + 15:.0f}">{escape(category)}</text>')
        for status in BARS:
            w = (width - left - 60) * c[status] / biggest
            if w:
                parts.append(f'<rect x="{x:.1f}" y="{y:.0f}" width="{w:.1f}" height="{bar_h}" fill="{COLOURS[status]}">'
                             f"<title>{escape(category)}: {c[status]} {status}</title></rect>")
            x += w
        parts.append(f'<text x="{x + 6:.1f}" y="{y + 15:.0f}">{sum(c.values())}</text>')
    legend_y = height - 6
    for j, status in enumerate(BARS):
        parts.append(f'<rect x="{j * 80}" y="{legend_y - 10:.0f}" width="10" height="10" fill="{COLOURS[status]}"/>'
                     f'<text x="{j * 80 + 14}" y="{legend_y:.0f}">{status}</text>')
    parts.append("</svg>")
    return "".join(parts)


def stack_picture(graph: dict[str, Any]) -> str:
    """Construct groups on a circle, sized by resource count, joined by their cross-group references."""
    nodes = graph.get("nodes", [])
    if not nodes:
        return '<p class="muted">no resources</p>'
    size, radius = 640, 230
    centre = size / 2
    pos = {}
    for i, node in enumerate(nodes):
        angle = 2 * math.pi * i / len(nodes) - math.pi / 2
        pos[node["group"]] = (centre + radius * math.cos(angle), centre + radius * math.sin(angle))
    parts = [f'<svg role="img" aria-label="stack graph" width="{size}" height="{size}" viewBox="0 0 {size} {size}">',
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" '
             'orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#8a94a6"/></marker></defs>']
    radius_of = {n["group"]: 10 + 3 * math.sqrt(n["resources"]) for n in nodes}
    for edge in graph.get("edges", []):
        if edge["from"] in pos and edge["to"] in pos:
            (x1, y1), (x2, y2) = pos[edge["from"]], pos[edge["to"]]
            length = math.hypot(x2 - x1, y2 - y1) or 1
            trim = (radius_of[edge["to"]] + 3) / length  # end the arrow at the target's edge
            x2, y2 = x2 - (x2 - x1) * trim, y2 - (y2 - y1) * trim
            parts.append(f'<line x1="{x1:.0f}" y1="{y1:.0f}" x2="{x2:.0f}" y2="{y2:.0f}" stroke="#8a94a6" '
                         f'stroke-opacity="0.55" stroke-width="{min(6, 0.6 + math.log1p(edge["references"])):.1f}" '
                         f'marker-end="url(#arrow)"><title>{escape(edge["from"])} → {escape(edge["to"])}: '
                         f'{edge["references"]} references</title></line>')
    for node in nodes:
        x, y = pos[node["group"]]
        r = 10 + 3 * math.sqrt(node["resources"])
        types = ", ".join(f"{t} ×{n}" for t, n in sorted(node["types"].items()))
        parts.append(f'<circle cx="{x:.0f}" cy="{y:.0f}" r="{r:.0f}" fill="#1f5fa8" fill-opacity="0.85">'
                     f"<title>{escape(node['group'])}: {escape(types)}</title></circle>"
                     f'<text x="{x:.0f}" y="{y + r + 13:.0f}" text-anchor="middle">{escape(node["group"])} '
                     f"({node['resources']})</text>")
    parts.append("</svg>")
    return "".join(parts)


def _also(finding: dict[str, Any]) -> str:
    return f" (also: {', '.join(finding['also'])})" if finding.get("also") else ""


def render_html(document: dict[str, Any]) -> str:
    summary = document["summary"]
    findings = document["findings"]
    counts = summary["by_status"]
    verdict = summary["verdict"]
    out = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Compliance report · "
           f"{escape(', '.join(summary['stack_sha256']))}</title><style>{CSS}</style></head><body><main>"]
    out.append("<h1>Compliance report: industrial IoT sensor platform</h1>")
    out.append(f"<p class='muted'>Profile <b>{escape(document['profile'])}</b> · generated {escape(summary['generated_at'])}"
               f" · commit <code>{escape(summary['git_commit'])}</code></p>")
    profile = document["profile"]
    out.append(f"<section id='verdict'><div class='verdict {verdict}'>Verdict: {verdict.upper()} · "
               f"{counts.get('failed', 0)} failed · {counts.get('warning', 0)} warnings · "
               f"{counts.get('suppressed', 0)} suppressed with reasons · {counts.get('waived', 0)} waived by policy · "
               f"{counts.get('passed', 0)} passed</div>"
               f"<p class='muted'>A finding fails when it maps to a control and its severity is "
               f"{escape(document['thresholds'][profile])} or above (profile {escape(profile)}); below that, or mapped "
               f"to no control, it is a warning and fails nothing.</p></section>")

    controls = summary["controls"]
    out.append("<section id='posture'><h2>Posture</h2><div class='grid'><div class='card'><h3>Findings by category</h3>")
    out.append(posture_chart(findings) + "</div><div class='card'><h3>Controls</h3>")
    out.append(_table(["control", "status"], [[f"{escape(c['id'])} {escape(c['title'])}", _tag(c["status"])]
                                              for c in controls]))
    out.append("</div></div></section>")

    out.append("<section id='coverage'><h2>Coverage by framework</h2>")
    for framework, cells in summary["frameworks"].items():
        rows = []
        for identifier, cell in sorted(cells.items()):
            resources = sorted({r for c in controls if c["id"] in cell["controls"] for r in c["resources_failed"]})
            rows.append([f"<code>{escape(identifier)}</code>", _tag(cell["status"]), escape(", ".join(cell["controls"])),
                         escape(", ".join(resources)) or "<span class='muted'>—</span>"])
        out.append(f"<h3>{escape(FRAMEWORK_TITLES.get(framework, framework))}</h3>")
        out.append(_table(["identifier", "status", "controls", "failing resources"], rows))
    out.append("</section>")

    out.append("<section id='controls'><h2>Findings by control</h2>")
    by_rule: dict[str, list[dict[str, Any]]] = {}
    for f in findings:
        by_rule.setdefault(f["rule_id"], []).append(f)
    for c in controls:
        mine = [f for r in c["rules"] + c["checkov"] for f in by_rule.get(r, [])]
        out.append(f"<div class='card' id='{escape(c['id'])}'><h3>{escape(c['id'])} {escape(c['title'])} "
                   f"{_tag(c['status'])}</h3><p>{escape(c['objective'])}</p>")
        out.append("<p class='muted'>" + " · ".join(f"{escape(SHORT[k])}: "
                                                     f"{escape(', '.join(v) or '—')}" for k, v in c["mappings"].items()) + "</p>")
        noteworthy = [f for f in mine if f["status"] != "passed"]
        passed = sum(f["status"] == "passed" for f in mine)
        if noteworthy:
            out.append(_table(["status", "rule", "construct path", "resource", "message", "fix / reason"], [
                [_tag(f["status"]), escape(f["rule_id"] + _also(f)), f"<code>{escape(where(f))}</code>",
                 f"<code>{escape(f['resource'])}</code>", escape(f["message"]),
                 escape(f["reason"] or f.get("fix", ""))] for f in noteworthy]))
        enforcing = ", ".join(c["rules"]) or "none of ours"
        out.append(f"<p class='muted'>{passed} passing checks; rules {escape(enforcing)}; "
                   f"{len(c['checkov'])} Checkov built-ins.</p></div>")
    out.append("</section>")

    warnings = [f for f in findings if f["status"] == "warning"]
    out.append(f"<section id='warnings'><h2>Warnings ({len(warnings)})</h2>")
    out.append("<p class='muted'>Below the profile's threshold, or mapped to no control: reported for review, never "
               "failing the gate.</p>")
    out.append(_table(["rule", "construct path", "resource", "message", "why a warning", "fix"], [
        [escape(f["rule_id"] + _also(f)), f"<code>{escape(where(f))}</code>", f"<code>{escape(f['resource'])}</code>",
         escape(f["message"]), escape(f["reason"]), escape(f.get("fix", ""))] for f in warnings]))
    out.append("</section>")

    waived = [f for f in findings if f["status"] == "waived"]
    out.append(f"<section id='waived'><h2>Waived by the project's policy ({len(waived)})</h2>")
    out.append(_table(["rule", "construct path", "resource", "reason"], [
        [escape(f["rule_id"] + _also(f)), f"<code>{escape(where(f))}</code>",
         f"<code>{escape(f['resource'])}</code>", escape(f["reason"])] for f in waived]))
    out.append("</section>")

    suppressed = [f for f in findings if f["status"] == "suppressed"]
    out.append(f"<section id='suppressions'><h2>Suppressions ({len(suppressed)})</h2>")
    out.append(_table(["rule", "engine", "construct path", "resource", "reason", "recorded by", "expires"], [
        [escape(f["rule_id"] + _also(f)), escape(f["engine"]), f"<code>{escape(where(f))}</code>",
         f"<code>{escape(f['resource'])}</code>", escape(f["suppression"]["reason"]),
         f"{escape(f['suppression']['source'])}: <code>{escape(str(f['suppression']['path']))}</code> "
         f"({escape(f['suppression']['rule_id'])})", escape(f["suppression"].get("expires", "—"))]
        for f in suppressed]))
    out.append("</section>")

    out.append("<section id='skipped-checks'><h2>Checkov checks not run, with reasons</h2>")
    out.append(_table(["check", "reason"], [[escape(s["check_id"]), escape(s["reason"])]
                                            for s in document["skipped_checks"]]))
    out.append("<h3>Checkov checks replaced by our rules on some resource types</h3>")
    out.append(_table(["check", "on types", "replaced by", "reason"], [
        [escape(r["check_id"]), escape(", ".join(r["types"])), escape(", ".join(r["by"])), escape(r["reason"])]
        for r in document["replaced_checks"]]))
    out.append("</section>")

    out.append("<section id='evidence'><h2>Evidence</h2>")
    out.append(_table(["stack", "synthesized file", "SHA-256"], [[escape(s["name"]), f"<code>{escape(s['file'])}</code>",
                                                                  f"<code>{escape(s['sha256'])}</code>"]
                                                                 for s in document["stacks"]]))
    out.append(_table(["tool", "version"], [[escape(k), escape(v)] for k, v in summary["tool_versions"].items()]))
    out.append(f"<p>Commit <code>{escape(summary['git_commit'])}</code>, generated {escape(summary['generated_at'])} UTC, "
               f"profile {escape(document['profile'])}. Verify with <code>sha256sum</code> on the files above.</p>")
    out.append("</section>")

    out.append("<section id='stack-picture'><h2>The stack</h2>")
    for s in document["stacks"]:
        notes = "".join(f"<p class='muted'>Note: {escape(n)}</p>" for n in s.get("notes", []))
        out.append(f"<div class='card'><h3>{escape(s['name'])}</h3>{notes}{stack_picture(s.get('graph', {}))}</div>")
    out.append("</section></main></body></html>")
    return "".join(out)
