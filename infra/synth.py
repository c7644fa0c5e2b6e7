"""Run `app.synth()` and turn a failed synth (error annotations, validation errors) into lines for people."""

from __future__ import annotations

import re

from policies.framework import App

_ANNOTATION_LINE = re.compile(r"^\s*\[(?P<path>[^\]]+)\]\s*(?P<message>.+)$")


class SynthFailed(Exception):
    """Synth refused the app; `findings` are (construct path, message) pairs."""

    def __init__(self, raw: str) -> None:
        super().__init__(raw)
        self.raw = raw
        self.findings = [
            (m.group("path"), m.group("message").strip())
            for m in (_ANNOTATION_LINE.match(line) for line in raw.splitlines())
            if m
        ]

    def report(self) -> str:
        if not self.findings:
            return f"synth failed: {self.raw.strip().splitlines()[0] if self.raw.strip() else 'unknown error'}"
        lines = [f"synth failed: {len(self.findings)} guardrail violation(s)"]
        lines += [f"  {message}" for _, message in self.findings]
        return "\n".join(lines)


def synth(app: App) -> None:
    try:
        app.synth()
    except Exception as error:  # jsii wraps the JavaScript error; its message carries the annotations
        message = str(error)
        if "Encountered Annotation" in message or "Validation failed" in message or _ANNOTATION_LINE.search(message):
            raise SynthFailed(message) from None
        raise
