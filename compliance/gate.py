"""The compliance gate: every synthesized stack judged by the engine the Aspect uses (policies.engine.judge_stack:
our rulebook, then every Checkov built-in over the same resolved JSON, the same suppressions, waivers and
thresholds), with each finding named by Terraform address and construct path. Stacks are judged in parallel
processes forked after Checkov's registries are loaded, so every worker shares them.

Exit codes (compliance/__main__.py): 0 nothing fails, 1 something fails, 2 the gate could not read its input.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from compliance.findings import SCHEMA_VERSION, finding
from compliance.stack_graph import stack_graph
from policies import builtins, provider_tables
from policies.baseline import Baseline
from policies.catalog import Catalog, default_catalog
from policies.engine import Outcome, builtin_ids, evaluate, judge_stack
from policies.model import MIN_REASON, StackView, crosses_stacks, views_of
from policies.profiles import PROFILES
from policies.rulebook import replacements
from policies.suppressions import expiry

SECTIONS = ("resource", "data")  # type -> name -> configuration object
OBJECT_SECTIONS = ("//", "terraform", "provider", "variable", "output", "locals", "module")
# Blocks without labels: Terraform JSON writes one as an object, several as a list of objects (cdktf writes lists).
BLOCK_SECTIONS = ("moved", "import", "removed", "check")


class GateUsageError(ValueError):
    """The gate was pointed at something that is not cdktf output, or cannot read it (exit 2)."""


@dataclass(frozen=True)
class StackFile:
    name: str
    path: Path


def find_stacks(synth_dir: Path) -> list[StackFile]:
    if not synth_dir.exists():
        raise GateUsageError(f"{synth_dir}: no such directory; run `python -m infra` (or `cdktf synth`) first")
    if not synth_dir.is_dir():
        raise GateUsageError(f"{synth_dir}: not a directory; pass the cdktf output folder (e.g. cdktf.out)")
    stacks = sorted(synth_dir.glob("stacks/*/cdk.tf.json"))
    if not stacks:
        raise GateUsageError(
            f"{synth_dir}: not cdktf output (no stacks/*/cdk.tf.json); pass the folder `cdktf synth` wrote"
        )
    listed = _manifest_stacks(synth_dir)
    if listed is not None:
        stale = [p.parent.name for p in stacks if p.parent.name not in listed]
        if stale:
            # cdktf never removes a stack folder a later synth no longer writes (another suffix, say): the
            # manifest says which stacks the last synth produced, and only those are judged.
            print(
                f"note: {synth_dir}/stacks/{{{','.join(stale)}}} not in {synth_dir}/manifest.json (left by an "
                "earlier synth): not judged; delete them to silence this note",
                file=sys.stderr,
            )
        stacks = [p for p in stacks if p.parent.name in listed]
        missing = sorted(set(listed) - {p.parent.name for p in stacks})
        if missing:
            raise GateUsageError(
                f"{synth_dir}/manifest.json lists {', '.join(missing)} but stacks/<name>/cdk.tf.json is missing; "
                "synthesize again"
            )
        if not stacks:  # never a pass on nothing judged
            raise GateUsageError(f"{synth_dir}/manifest.json lists no stack; synthesize again")
    return [StackFile(p.parent.name, p) for p in stacks]


def _manifest_stacks(synth_dir: Path) -> frozenset[str] | None:
    """The stack names cdktf's manifest.json lists, None when there is no manifest (a folder of stacks copied by
    hand); GateUsageError when it exists but cannot be read."""
    path = synth_dir / "manifest.json"
    if not path.exists():
        return None
    try:
        stacks = json.loads(path.read_text(encoding="utf-8"))["stacks"]
        if not isinstance(stacks, dict):
            raise TypeError("stacks is not an object")
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as error:
        raise GateUsageError(
            f"{path}: unreadable cdktf manifest ({type(error).__name__}: {error}); synthesize again"
        ) from None
    return frozenset(stacks)


def read_stack(path: Path) -> tuple[dict[str, Any], str, str]:
    """The stack document, its text and the SHA-256 of its bytes; GateUsageError (one line: what, where, how to
    fix) when it cannot be read."""
    fix = "synthesize again (`python -m infra` or `cdktf synth`); the gate reads cdktf's output unchanged"
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except OSError as error:
        raise GateUsageError(f"{path}: cannot read ({error.strerror})") from None
    except UnicodeDecodeError as error:
        raise GateUsageError(f"{path}: not UTF-8 text (byte {error.start}); {fix}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise GateUsageError(
            f"{path}: not JSON ({error.msg} at line {error.lineno} column {error.colno}); {fix}"
        ) from None
    except RecursionError:
        raise GateUsageError(f"{path}: JSON nested too deeply to read; {fix}") from None
    problem = structure_problem(document)
    if problem:
        raise GateUsageError(f"{path}: not a Terraform JSON stack: {problem}; {fix}")
    return document, text, hashlib.sha256(raw).hexdigest()


def structure_problem(document: Any) -> str:
    """What makes this not a Terraform JSON configuration the rules can read, or "" (the shape of every section:
    https://developer.hashicorp.com/terraform/language/syntax/json)."""
    if not isinstance(document, dict):
        return f"the document is a {_kind(document)}, not an object"
    for section in SECTIONS:
        if section not in document:
            continue
        value = document[section]
        if not isinstance(value, dict):
            return f"{section} is a {_kind(value)}, not an object of resource types"
        for rtype, items in value.items():
            if not re.fullmatch(r"[a-z0-9_]+", rtype):
                return f"{section} has the type {rtype[:80]!r}, not a Terraform type name"
            if not isinstance(items, dict):
                return f"{section}.{rtype} is a {_kind(items)}, not an object of named {rtype} blocks"
            for name, config in items.items():
                if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", name):
                    return f"{section}.{rtype} has the name {name[:80]!r}, not a Terraform name"
                if not isinstance(config, dict):
                    return f"{section}.{rtype}.{name} is a {_kind(config)}, not an object"
                meta = config.get("//", {})
                if not isinstance(meta, dict):
                    return f"{section}.{rtype}.{name}.// is a {_kind(meta)}, not cdktf's metadata object"
    for section in OBJECT_SECTIONS:
        if section in document and not isinstance(document[section], dict):
            return f"{section} is a {_kind(document[section])}, not an object"
    for section in BLOCK_SECTIONS:
        blocks = document.get(section)
        if blocks is not None and not all(
            isinstance(b, dict) for b in (blocks if isinstance(blocks, list) else [blocks])
        ):
            return f"{section} holds a {_kind(blocks)} that is not a block object"
    for name, configs in (document.get("provider") or {}).items():
        for config in configs if isinstance(configs, list) else [configs]:
            if not isinstance(config, dict):
                return f"provider.{name} holds a {_kind(config)}, not a provider configuration object"
    meta = document.get("//", {})
    guardrails = meta.get("guardrails", {})
    suppressions = guardrails.get("suppressions", []) if isinstance(guardrails, dict) else None
    if not isinstance(suppressions, list):
        return "//.guardrails.suppressions is not a list of suppressions"
    for entry in suppressions or []:
        if (
            not isinstance(entry, dict)
            or not isinstance(entry.get("rule_id"), str)
            or not isinstance(entry.get("path"), str)
        ):
            return "//.guardrails.suppressions holds an entry without a rule_id and a path"
        if len(str(entry.get("reason", "")).strip()) < MIN_REASON:
            return f"the suppression of {entry['rule_id']} on {entry['path']} has no reason of {MIN_REASON} characters"
    return ""


def _kind(value: Any) -> str:
    return {dict: "object", list: "list", str: "string", bool: "boolean", int: "number", float: "number"}.get(
        type(value), "null" if value is None else type(value).__name__
    )


_OPEN = re.compile(r'^( *)"((?:[^"\\]|\\.)*)": [\[{]$')
_CLOSE = re.compile(r"^( *)[}\]],?$")


def line_ranges(text: str) -> dict[str, tuple[int, int]]:
    """Terraform address -> (first, last) line of its block, for cdktf's two-space JSON layout (SARIF regions).
    Another layout gives no ranges (reports then point at line 1), never wrong ones."""
    ranges: dict[str, tuple[int, int]] = {}
    open_keys: list[tuple[int, str, int]] = []  # (indent, key, first line)
    for number, line in enumerate(text.splitlines(), start=1):
        opened = _OPEN.match(line)
        if opened:
            open_keys.append((len(opened.group(1)), opened.group(2), number))
            continue
        closed = _CLOSE.match(line)
        if closed and open_keys and open_keys[-1][0] == len(closed.group(1)):
            _, key, first = open_keys.pop()
            path = [k for _, k, _ in open_keys]
            if len(path) == 2 and path[0] in SECTIONS:
                prefix = "data." if path[0] == "data" else ""
                ranges[f"{prefix}{path[1]}.{key}"] = (first, number)
    return ranges


# Set before workers fork: the documents and standards every worker judges (copy-on-write, never pickled).
_WORK: dict[str, Any] = {}


def _builtin_results(index: int, parts: tuple[str, ...] = builtins.PARTS) -> tuple[list[builtins.Result], str] | str:
    """Checkov's results on one stack and a note of what Checkov could not read, or the one-line reason it could
    not read the stack at all."""
    stack, _, _, _ = _WORK["stacks"][index]
    document = _view(index).judged_document  # with the resources of its local modules
    try:
        return builtins.run(document, _WORK["ids"], parts), builtins.note(document)
    except builtins.BuiltinError as error:
        return f"{stack.path}: {error}"


Judged = tuple[list[Outcome], dict[str, Any], str, str]  # outcomes, the stack's picture, error, note


def _view(index: int) -> StackView:
    """The stack's view (built once per process), seeing the other stacks of the synth when one crosses."""
    stack, document, _, _ = _WORK["stacks"][index]
    views, judged_with = _WORK.setdefault("views", {}), _WORK.get("judged_with", {})
    if stack.name not in views:
        stacks = _WORK["stacks"]
        if any(crosses_stacks(d) for _, d, _, _ in stacks):
            folders = {s.name: s.path.parent for s, *_ in stacks}
            views.update(views_of({s.name: d for s, d, _, _ in stacks}, folders, **judged_with))
        else:
            views[stack.name] = StackView(document, stack.name, folder=stack.path.parent, **judged_with)
    return views[stack.name]


def _judge(index: int, results: Any = None, ours: Any = None) -> Judged:
    view = _view(index)
    found = _builtin_results(index) if results is None else results
    if isinstance(found, str):
        return [], {}, found, ""
    outcomes = judge_stack(view, found[0], _WORK["profile"], _WORK["catalog"], ours)
    return outcomes, stack_graph(view), "", found[1]


_SCANS = {"count": 0}


def _judge_all(loaded: list[Any], workers: int) -> list[Judged]:
    """One stack, the first this process judges (a `python -m compliance check` run): Checkov in a forked process,
    importing only what the stack needs, while this one evaluates our rulebook (two processes split the graph and
    the Python checks as fast on a quiet machine and cost 0.4 s more CPU on a busy one). Later scans in the same
    process, or a document it judged already (the --synth run), are judged here with Checkov loaded once. Several
    stacks: Checkov's registries loaded here, then the stacks judged by forked workers that share them."""
    fork = multiprocessing.get_context("fork")
    _SCANS["count"] += 1
    if len(loaded) == 1:
        if builtins.judged_before(_view(0).judged_document) or _SCANS["count"] > 1:
            return [_judge(0)]
        with fork.Pool(1) as pool:
            pending = pool.apply_async(_builtin_results, (0,))
            ours = evaluate(_view(0), _WORK["profile"], _WORK["catalog"])
            return [_judge(0, pending.get(), ours)]
    from policies.iam.catalog import catalog as iam_catalog

    builtins.preload()
    iam_catalog()  # the IAM action catalog, loaded once for every worker
    with fork.Pool(workers) as pool:
        return pool.map(_judge, range(len(loaded)), chunksize=1)


def scan(
    synth_dir: Path,
    profile: str,
    catalog: Catalog | None = None,
    workers: int | None = None,
    accounts: Sequence[str] = (),
    baseline: Baseline | None = None,
    today: date | None = None,
) -> dict[str, Any]:
    """Judge every stack under synth_dir (in `workers` forked processes, default one per core; 0: in this one);
    `accounts` are declared the stacks' own, beside what each stack declares; `baseline` accepts the findings it
    lists; `today` decides expiries (default: today, UTC)."""
    if profile not in PROFILES:
        raise GateUsageError(f"--profile {profile!r}: expected one of {', '.join(PROFILES)}")
    started = time.perf_counter()
    stacks = find_stacks(synth_dir)
    loaded = [(stack, *read_stack(stack.path)) for stack in stacks]
    judged = PROFILES[profile]
    catalog = catalog or default_catalog()
    judged_with = {"accounts": tuple(accounts), "baseline": baseline, "today": today}
    _WORK.update(stacks=loaded, ids=builtin_ids("gate", judged, catalog), profile=judged, catalog=catalog)
    _WORK["judged_with"] = judged_with
    workers = min(len(loaded), os.cpu_count() or 1) if workers is None else workers
    try:
        judgements = _judge_all(loaded, workers) if workers else [_judge(i) for i in range(len(loaded))]
    finally:
        _WORK.clear()
    errors = [error for _, _, error, _ in judgements if error]
    if errors:
        raise GateUsageError(errors[0])
    findings = [
        finding(outcome, stack.name, str(stack.path), ranges)
        for (stack, _, text, _), (outcomes, _, _, _) in zip(loaded, judgements, strict=True)
        for ranges in [line_ranges(text)]
        for outcome in outcomes
    ]
    return {
        "schema_version": SCHEMA_VERSION,
        "findings": findings,
        "stacks": [
            {
                "name": s.name,
                "file": str(s.path),
                "sha256": sha,
                "graph": graph,
                "notes": [n for n in (note, provider_tables.refused(document)) if n],
                **synthesized_with(document),
            }
            for (s, document, _, sha), (_, graph, _, note) in zip(loaded, judgements, strict=True)
        ],
        "skipped_checks": [{"check_id": k, "reason": v} for k, v in sorted(judged.skipped.items())],
        "replaced_checks": [
            {"check_id": check_id, "types": list(r.types), "by": [rule_id], "reason": r.reason}
            for check_id, found in sorted(replacements().items())
            for r, rule_id in found
        ],
        "thresholds": {name: p.threshold for name, p in PROFILES.items()},
        "profile": profile,
        "baseline": _baseline_use(baseline, findings, today or datetime.now(UTC).date()),
        "scan_seconds": round(time.perf_counter() - started, 3),
    }


def _baseline_use(baseline: Baseline | None, findings: list[dict[str, Any]], today: date) -> dict[str, Any] | None:
    """Which baseline judged the stacks, and its entries that accepted nothing: expired (past their date: what they
    listed fails again unless fixed) or, not expired, stale (fixed or moved)."""
    if baseline is None:
        return None
    matched = {
        f["suppression"]["entry"]
        for f in findings
        if f.get("suppression") and f["suppression"].get("source") == baseline.source and "entry" in f["suppression"]
    }
    stale, expired = [], []
    for i, entry in enumerate(baseline.entries):
        if i not in matched:
            (stale if expiry(entry, today)[0] else expired).append(entry)
    return {
        "file": baseline.file,
        "written": baseline.written,
        "entries": len(baseline.entries),
        "stale": stale,
        "expired": expired,
    }


def synthesized_with(document: dict[str, Any]) -> dict[str, str]:
    """What the stack says made it: the framework version in its metadata (cdktf 0.21.0, cdktn 0.24.0, ...) and
    the AWS provider version it pins, which chose the tables it is judged with."""
    meta = (document.get("//") or {}).get("metadata") or {}
    table = provider_tables.for_document(document)
    return {
        "framework_version": str(meta.get("version", "unknown")),
        "aws_provider": provider_tables.pinned(document) or "not pinned",
        "judged_as": table.provider,
    }


def failed(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in result["findings"] if f["status"] == "failed"]
