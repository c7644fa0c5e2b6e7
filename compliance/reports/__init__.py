"""Report renderers over a findings document: SARIF 2.1.0, JUnit XML, Markdown and a self-contained HTML report."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from compliance.reports.html import render_html
from compliance.reports.junit import render_junit
from compliance.reports.markdown import render_markdown
from compliance.reports.sarif import render_sarif

RENDERERS: dict[str, tuple[str, Callable[[dict[str, Any]], str]]] = {
    "sarif": ("findings.sarif", render_sarif),
    "junit": ("junit.xml", render_junit),
    "md": ("summary.md", render_markdown),
    "html": ("report.html", render_html),
}
