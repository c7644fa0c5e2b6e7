"""`python -m compliance check SYNTH_DIR [--out DIR] [--profile ephemeral|production]`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from compliance.findings import validate_findings, with_summary
from compliance.gate import GateUsageError, failed, failure_lines, scan


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line and exit 2, never a stack trace
        print(f"error: {message} (see python -m compliance --help)", file=sys.stderr)
        raise SystemExit(2)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _Parser(prog="python -m compliance", description="Compliance gate over synthesized cdktf stacks")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="scan every stack under a cdktf output directory")
    check.add_argument("synth_dir", type=Path)
    check.add_argument("--out", type=Path, default=Path("reports"))
    check.add_argument("--profile", default="ephemeral", choices=["ephemeral", "production"])
    args = parser.parse_args(argv)

    try:
        result = scan(args.synth_dir, args.profile)
    except GateUsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    document = with_summary(result)
    validate_findings(document)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "findings.json").write_text(json.dumps(document, indent=2, sort_keys=True))
    counts = document["summary"]["by_status"]
    for line in failure_lines(result):
        print(line, file=sys.stderr)
    verdict = "FAILED" if failed(result) else "PASSED"
    print(
        f"compliance gate {verdict}: {counts.get('failed', 0)} failed, {counts.get('suppressed', 0)} suppressed, "
        f"{counts.get('passed', 0)} passed across {len(result['stacks'])} stack(s); "
        f"findings in {args.out / 'findings.json'}"
    )
    return 1 if failed(result) else 0


if __name__ == "__main__":
    sys.exit(main())
