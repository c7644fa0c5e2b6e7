"""The baseline: findings a team accepts as they stand (an existing estate), so the gate and synth fail only on what
is new. `python -m compliance baseline SYNTH_DIR --out FILE` writes it; `guard(app, baseline=FILE)` (or the cdktf
context key guardrailsBaseline) and `python -m compliance check --baseline FILE` read it.

An entry is keyed on what survives a refactor and a new environment: the stack's kind and its name with the
environment suffix replaced by `{suffix}`, the construct path below the stack, the rule or check id, and the names
the violation gives (actions and ARNs) with the suffix replaced and every `${type.logical_id.attr}` reference
replaced by `${<construct path>.attr}`. A violation is accepted when an entry of its key names all it names: a
statement that gains an action is new. Entries that match nothing are stale (fixed or moved): the gate says so.
An entry, like a suppression, may carry `expires` (YYYY-MM-DD, UTC): see policies.suppressions.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from policies.metadata import environment, stack_kind
from policies.model import MIN_REASON, Resource, StackView, Violation

SCHEMA = Path(__file__).resolve().parent.parent / "compliance" / "schemas" / "baseline.schema.json"
CONTEXT_KEY = "guardrailsBaseline"  # the cdktf context key guard() reads when not given a baseline
ENV = "GUARDRAILS_BASELINE"  # the variable tox -e compliance passes to synth and the gate (infra's config table)
SUFFIX = "{suffix}"
REFERENCE = re.compile(r"\$\{(?P<ref>(?:data\.)?[a-z0-9_]+\.[A-Za-z0-9_-]+)(?P<attr>(?:\.[A-Za-z0-9_]+)*)\}")


class BaselineError(ValueError):
    """The baseline file cannot be read or does not match its schema (one line: what, where, how to fix)."""


@dataclass(frozen=True)
class Baseline:
    file: str
    written: str  # the date it was written
    entries: tuple[dict[str, Any], ...]
    _index: dict[tuple[str, str, str, str], list[int]] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for i, entry in enumerate(self.entries):
            key = (entry["stack_kind"], entry["stack"], entry["path"], entry["rule_id"])
            self._index.setdefault(key, []).append(i)

    @property
    def source(self) -> str:
        return f"baseline {self.file} (written {self.written})"

    def match(self, view: StackView, rule_id: str, resource: Resource, violation: Violation) -> dict | None:
        """The entry accepting this violation, as a suppression record (with its index in the file), or None."""
        key = (stack_kind(view.document), generic(view.stack, view), below(resource.construct_path, view), rule_id)
        names = {generic_name(n, view) for n in violation.names}
        for index in self._index.get(key, ()):
            entry = self.entries[index]
            if names <= set(entry["names"]):
                reason = entry.get("reason") or f"accepted in the baseline written {self.written}"
                return {
                    "rule_id": rule_id,
                    "path": resource.construct_path,
                    "reason": reason,
                    "source": self.source,
                    "entry": index,
                    **({"expires": entry["expires"]} if entry.get("expires") else {}),
                }
        return None


def generic(text: str, view: StackView) -> str:
    """A name with the stack's environment suffix replaced by {suffix}."""
    suffix = environment(view.document)
    return text.replace(suffix, SUFFIX) if suffix else text


def below(path: str, view: StackView) -> str:
    """A construct path below its stack (what a refactor of the stack's name does not change)."""
    head, _, rest = path.partition("/")
    return rest if head == view.stack else path


def generic_name(name: str, view: StackView) -> str:
    """A violation's name as the baseline keys it: references by construct path, the suffix as {suffix}."""

    def by_path(match: re.Match[str]) -> str:
        ref = match.group("ref")
        mode, rest = ("data", ref[5:]) if ref.startswith("data.") else ("resource", ref)
        rtype, _, rname = rest.partition(".")
        target = view.get(rtype, rname, mode)
        if target is None or not target.construct_path:
            return match.group(0)
        return "${" + below(target.construct_path, view) + match.group("attr") + "}"

    return generic(REFERENCE.sub(by_path, name), view)


def entry_for(finding: dict[str, Any], view: StackView, names: tuple[str, ...]) -> dict[str, Any]:
    """A baseline entry accepting a finding of findings.json as it stands."""
    return {
        "stack_kind": stack_kind(view.document),
        "stack": generic(finding["stack"], view),
        "path": below(finding["construct_path"], view),
        "rule_id": finding["rule_id"],
        "names": sorted({generic_name(n, view) for n in names}),
    }


def document(entries: list[dict[str, Any]], written: date) -> dict[str, Any]:
    unique = {json.dumps(e, sort_keys=True): e for e in entries}
    ordered = sorted(unique.values(), key=lambda e: (e["stack"], e["path"], e["rule_id"], e["names"]))
    return {"schema_version": 1, "written": written.isoformat(), "entries": ordered}


@cache
def _validator() -> Any:
    import jsonschema_rs

    return jsonschema_rs.validator_for(json.loads(SCHEMA.read_text()))


def load(path: str | Path) -> Baseline:
    """The baseline at `path`; BaselineError (one line) when it cannot be read or is not a baseline."""
    from policies.catalog import schema_errors

    path = Path(path)
    fix = "write it with `python -m compliance baseline SYNTH_DIR --out FILE`"
    try:
        parsed = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(f"{path}: no such baseline file; {fix}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise BaselineError(f"{path}: cannot read the baseline ({error})") from None
    except ValueError as error:
        raise BaselineError(f"{path}: the baseline is not JSON ({error}); {fix}") from None
    first, count = schema_errors(_validator(), parsed)
    if count:
        raise BaselineError(f"{path}: not a baseline file: invalid at {first}; {fix}")
    short = [e for e in parsed["entries"] if "reason" in e and len(str(e["reason"]).strip()) < MIN_REASON]
    if short:
        raise BaselineError(f"{path}: the entry for {short[0]['rule_id']} gives a reason under {MIN_REASON} characters")
    return Baseline(str(path), parsed["written"], tuple(parsed["entries"]))
