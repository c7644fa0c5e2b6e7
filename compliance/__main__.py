"""CLI: `check SYNTH_DIR [--out DIR] [--profile P] [--synth [-- INFRA ARGS]]` runs the gate (with --synth, after
synthesizing the platform into SYNTH_DIR in the same process); `report FINDINGS --format F` re-renders."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

from compliance.findings import (
    FindingsError,
    expiring,
    outcome_of,
    problem_findings,
    upgrade,
    validate_findings,
    with_summary,
)
from compliance.gate import GateUsageError, failed, find_stacks, read_stack, scan
from compliance.reports import RENDERERS
from policies.baseline import ENV as BASELINE_ENV
from policies.baseline import BaselineError, entry_for
from policies.baseline import document as baseline_document
from policies.baseline import load as load_baseline
from policies.catalog import CatalogError, default_catalog, load_catalog
from policies.engine import STATUSES
from policies.metadata import ACCOUNT
from policies.model import StackView
from policies.profiles import PROFILES


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line and exit 2, never a stack trace
        print(f"error: {message} (see python -m compliance --help)", file=sys.stderr)
        raise SystemExit(2)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _judging(parser: argparse.ArgumentParser) -> None:
    """The options that decide a judgement: what `check` and `baseline` share."""
    parser.add_argument("synth_dir", type=Path)
    parser.add_argument("--profile", default="ephemeral", choices=list(PROFILES))
    parser.add_argument("--catalog", type=Path, help="control catalog (default compliance/catalog.yaml)")
    parser.add_argument(
        "--workers",
        type=int,
        help="processes judging stacks (default: one per core, at most one per stack; 0: this one)",
    )
    parser.add_argument(
        "--account-id",
        action="append",
        default=[],
        dest="accounts",
        metavar="ID",
        help="an AWS account that is the stacks' own (repeatable), for stacks not synthesized with guard(accounts=)",
    )
    parser.add_argument(
        "--baseline",
        default=os.environ.get(BASELINE_ENV) or None,
        help=f"the baseline of accepted findings (default: ${BASELINE_ENV}; none when unset or empty)",
    )
    parser.add_argument("--today", type=_date, help="the day expiries are judged on (YYYY-MM-DD; default: today, UTC)")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m compliance", description="Compliance gate over synthesized cdktf stacks")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="scan every stack under a cdktf output directory and write reports")
    _judging(check)
    check.add_argument("--out", type=Path, default=Path("reports"))
    check.add_argument(
        "--synth",
        action="store_true",
        help="first synthesize the platform with Guardrails into SYNTH_DIR, in this process (python -m infra; "
        "its options after --); the gate then reads the files synth wrote",
    )
    baseline = commands.add_parser("baseline", help="write the current failures as a baseline of accepted findings")
    _judging(baseline)
    baseline.add_argument("--out", type=Path, required=True, help="the baseline file to write")
    report = commands.add_parser("report", help="re-render a saved findings.json")
    report.add_argument("findings", type=Path)
    report.add_argument("--format", required=True, choices=sorted(RENDERERS))
    report.add_argument("--out", type=Path, help="file to write (default: standard output)")
    return parser


def write_reports(document: dict, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "findings.json"]
    written[0].write_text(json.dumps(document, indent=2, sort_keys=True))
    for filename, render in RENDERERS.values():
        (out / filename).write_text(render(document))
        written.append(out / filename)
    return written


def _check(args: argparse.Namespace) -> int:
    catalog = load_catalog(args.catalog) if args.catalog else default_catalog()
    if args.synth:
        from infra.__main__ import main as synthesize

        # Checkov and the IAM catalog load while this thread waits for node to load the AWS provider's assembly
        # (about 5 s of the synth's start): the Aspect finds them loaded at its first stack.
        from policies.engine import preload

        preload()
        code = synthesize(["--outdir", str(args.synth_dir), "--profile", args.profile, *args.infra_args])
        if code:
            return code  # 1: Guardrails failed synth (the lines above say what); 2: a bad option
    result = _scan(args, catalog)
    document = with_summary(result, catalog)
    validate_findings(document)
    write_reports(document, args.out)
    counts = document["summary"]["by_status"]
    for found in problem_findings(result["findings"]) + expiring(result["findings"]):
        print(outcome_of(found).line(), file=sys.stderr)
    for note in document["summary"]["notes"]:
        print(f"note: {note}", file=sys.stderr)
    verdict = "FAILED" if failed(result) else "PASSED"
    shown = ", ".join(f"{counts.get(s, 0)} {s}" for s in STATUSES)
    print(
        f"compliance gate {verdict} ({args.profile}: fails at {result['thresholds'][args.profile]} and above): "
        f"{shown} across {len(result['stacks'])} stack(s); reports in {args.out}/ "
        "(findings.json, findings.sarif, junit.xml, summary.md, report.html)"
    )
    return 1 if failed(result) else 0


def _scan(args: argparse.Namespace, catalog) -> dict:
    """The judgement both `check` and `baseline` make, after their options are checked."""
    if args.workers is not None and args.workers < 0:
        raise GateUsageError(f"--workers {args.workers}: give 0 (judge in this process) or more")
    bad = [a for a in args.accounts if not ACCOUNT.match(a)]
    if bad:
        raise GateUsageError(f"--account-id {bad[0]!r}: an AWS account id is 12 digits")
    accepted = load_baseline(args.baseline) if args.baseline else None
    return scan(args.synth_dir, args.profile, catalog, args.workers, args.accounts, accepted, args.today)


def _baseline(args: argparse.Namespace) -> int:
    """Write the current failures of every stack as the baseline of accepted findings."""
    catalog = load_catalog(args.catalog) if args.catalog else default_catalog()
    result = _scan(args, catalog)
    views = {
        stack.name: StackView(read_stack(stack.path)[0], stack.name, folder=stack.path.parent)
        for stack in find_stacks(args.synth_dir)
    }
    entries = [
        entry_for(f, views[f["stack"]], tuple(f.get("names") or ()))
        for f in result["findings"]
        if f["status"] == "failed"
    ]
    written = baseline_document(entries, args.today or datetime.now(UTC).date())
    try:
        args.out.write_text(json.dumps(written, indent=2) + "\n")
    except OSError as error:
        raise GateUsageError(f"--out {args.out}: cannot write ({error.strerror})") from None
    print(f"wrote {len(written['entries'])} accepted finding(s) to {args.out}")
    return 0


def _report(args: argparse.Namespace) -> int:
    try:
        document = json.loads(args.findings.read_text())
    except OSError as error:
        raise GateUsageError(f"{args.findings}: cannot read ({error.strerror})") from None
    except ValueError as error:
        raise GateUsageError(f"{args.findings}: not JSON ({error})") from None
    document = upgrade(document)  # a version-1 document: its statuses mapped to version 2's
    validate_findings(document)
    text = RENDERERS[args.format][1](document)
    if args.out:
        args.out.write_text(text)
    else:
        sys.stdout.write(text)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    infra_args = argv[argv.index("--") + 1 :] if "--" in argv else []
    args = _parser().parse_args(argv[: argv.index("--")] if "--" in argv else argv)
    args.infra_args = infra_args
    if infra_args and not getattr(args, "synth", False):
        print(
            "error: options after -- are for --synth (python -m infra) (see python -m compliance --help)",
            file=sys.stderr,
        )
        return 2
    try:
        return {"check": _check, "baseline": _baseline, "report": _report}[args.command](args)
    except (GateUsageError, CatalogError, FindingsError, BaselineError) as error:
        print(f"error: {_one_line(error)}", file=sys.stderr)
        return 2
    except Exception as error:  # never a traceback, never a pass: a bug in the gate still stops the merge
        if os.environ.get("COMPLIANCE_DEBUG"):
            raise
        print(
            f"error: the gate broke ({type(error).__name__}: {_one_line(error)}); nothing was judged. "
            "Set COMPLIANCE_DEBUG=1 for the traceback and report it",
            file=sys.stderr,
        )
        return 2


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())[:2000]


if __name__ == "__main__":
    sys.exit(main())
