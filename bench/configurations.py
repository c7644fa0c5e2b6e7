"""The two supported configurations side by side, with the split cdktn-aws bindings tried beside them: wall time,
CPU and peak memory (the Python process and its node child together) of whole processes, medians of alternated runs.

python bench/configurations.py [--runs N] [--cdktf PYTHON] [--cdktn PYTHON] [--cdktn-aws PYTHON] [--no-record]

- synth: `python -m infra` of the platform stack with Guardrails (import of the framework and AWS bindings, the
  constructs, the Aspect with Checkov's built-ins at synth);
- gate:  `python -m compliance check OUT --synth` of the same stack (synth and gate in one process, what
  `tox -e compliance` runs, reports written).
Each PYTHON is the interpreter of an environment holding one configuration (default: .tox/py, .tox/cdktn); the
cdktn-aws variant (bench/cdktn_aws_trial.py, synth only) runs when --cdktn-aws names an env with cdktn + cdktn-aws.
Install the envs with bytecode compiled (UV_COMPILE_BYTECODE=1), as tox does for the gate: the bindings' Python
would otherwise be compiled on every run. Variants run in turn (A B C A B C ...), so a change of load hits all.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from bench.gate import BASE_ENV, SUFFIX, speed  # noqa: E402  (after the project is on the path)
from bench.results import record  # noqa: E402


def _tree_rss(root: int) -> int:
    """Resident memory (bytes) of a process and all its descendants now."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            rss[int(entry.name)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
            children.setdefault(int(fields[1]), []).append(int(entry.name))
        except (OSError, IndexError, ValueError):
            continue
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def measure(args: list[str]) -> tuple[float, float, float]:
    """(wall s, CPU s, peak MiB of the process tree, sampled every 0.1 s) of one whole process."""
    before = os.times()
    started = time.perf_counter()
    process = subprocess.Popen(
        args,
        cwd=PROJECT,
        env={**BASE_ENV, "PYTHONPATH": str(PROJECT), "PYTHONDONTWRITEBYTECODE": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak = 0
    while process.poll() is None:
        peak = max(peak, _tree_rss(process.pid))
        time.sleep(0.1)
    wall = time.perf_counter() - started
    err = process.stderr.read() if process.stderr else ""
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({process.returncode}):\n{err[-3000:]}")
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return wall, cpu, peak / 2**20


def variants(pythons: dict[str, str]) -> dict[str, object]:
    found = {}
    for name, python in pythons.items():
        if name == "cdktn-aws":
            found[f"{name} synth"] = lambda py=python: _in_tmp(
                lambda out: [py, "bench/cdktn_aws_trial.py", out, "--environment-only"]
            )
            continue
        found[f"{name} synth"] = lambda py=python: _in_tmp(lambda out: [py, "-m", "infra", *SUFFIX, "--outdir", out])
        found[f"{name} gate"] = lambda py=python: _in_tmp(
            lambda out: [py, "-m", "compliance", "check", out, "--synth", "--out", f"{out}/reports", "--", *SUFFIX]
        )
    return found


def _in_tmp(command) -> tuple[float, float, float]:
    with tempfile.TemporaryDirectory() as out:
        return measure(command(out))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cdktf", default=str(PROJECT / ".tox" / "py" / "bin" / "python"))
    parser.add_argument("--cdktn", default=str(PROJECT / ".tox" / "cdktn" / "bin" / "python"))
    parser.add_argument("--cdktn-aws", default="")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    pythons = {"cdktf 0.21 + provider 5.100": args.cdktf, "cdktn 0.24 + provider 6.69": args.cdktn}
    if args.cdktn_aws:
        pythons["cdktn-aws"] = args.cdktn_aws
    todo = variants(pythons)
    samples: dict[str, list[tuple[float, float, float]]] = {name: [] for name in todo}
    speeds, loads = [], []
    for _ in range(args.runs):
        speeds.append(speed())
        loads.append(os.getloadavg()[0])
        for name, run in todo.items():
            samples[name].append(run())
            print(f"{name}: {samples[name][-1][0]:.1f}s", file=sys.stderr)
    lines = [
        "| configuration, process | wall s (median) | CPU s (median) | peak MiB, python + node (median) | wall runs |",
        "|---|---:|---:|---:|---|",
    ]
    for name, found in samples.items():
        wall, cpu, peak = (statistics.median(x[i] for x in found) for i in range(3))
        runs = ", ".join(f"{x[0]:.1f}" for x in found)
        lines.append(f"| {name} | {wall:.1f} | {cpu:.1f} | {peak:.0f} | {runs} |")
    table = "\n".join(lines)
    notes = (
        f"{args.runs} alternated runs; machine-speed indicator {statistics.median(speeds):.3f} s, 1-min load "
        f"{', '.join(f'{x:.1f}' for x in loads)}. synth: `python -m infra` with Guardrails; gate: `python -m "
        "compliance check OUT --synth` (synth + gate + reports); cdktn-aws synth: bench/cdktn_aws_trial.py, same stack."
    )
    print(table)
    print(notes)
    if not args.no_record:
        record("Configurations: cdktf 0.21 + AWS provider 5.100 against cdktn 0.24 + provider 6.69", table, notes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
