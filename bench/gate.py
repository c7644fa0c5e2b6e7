"""Benchmark the compliance gate with alternated whole-process runs; medians of wall and CPU time.

python bench/gate.py [--runs N] [--only gate,checkov,plants,before]

- gate:    `python -m compliance check OUT --synth` (synth with Guardrails + every built-in + reports, one process,
           what `tox -e compliance` runs) against a bare `python -m infra --no-guardrails`; target <= 1.2x. The
           two-process form (`python -m infra` with Guardrails, then `python -m compliance check`) is shown too.
- checkov: `python -m compliance check OUT` on an existing synth against plain
           `checkov -d OUT/stacks/<stack> --framework terraform_json`; target <= 0.6x.
- plants:  10 plant stacks in one app, synthesized with Guardrails and gated in one process (bench/multi_plant_app.py
           --gate) against the same app's bare synth (--no-guardrails); target <= 1.2x.
- foreach: a 300-resource stack written with for_each (bench/for_each_app.py): its bare synth, then the gate in the
           same process, against the bare synth alone.
- before:  the gate before issue #11 (`--before COMMIT`, default 642edef) against the gate before this branch's
           work (`--after COMMIT`, default 2196d46), each as it ran then (`python -m infra` + `python -m compliance
           check`), from `git archive` copies in a temporary folder; #11 may add at most 5%.

Every measurement is a fresh process, as users run them; the variants of one comparison run in turn (A B A B ...),
so a change in the machine's load hits both. CPU is user + system time of the process and its children (node for
jsii). Others share this machine: each pair also times a fixed pure-Python loop (`speed_s`, a machine-speed
indicator) and records the load average. Run it with the interpreter of the env you measure (the compliance env:
.tox/compliance/bin/python, which has bytecode compiled at install).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from bench.results import record  # noqa: E402  (after the project is on the path)

BASE_ENV = {
    **os.environ,
    "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    "BC_SKIP_MAPPING": "TRUE",
    "CKV_SKIP_PACKAGE_UPDATE_CHECK": "TRUE",
    "PYTHONDONTWRITEBYTECODE": "1",  # as tox sets it: the project's own modules compile in every run
}
SUFFIX = ["--environment-suffix", "bench"]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(args: list[str], project: Path = PROJECT, ok: tuple[int, ...] = (0,)) -> tuple[float, float]:
    """(wall, cpu) seconds of one whole process."""
    env = {**BASE_ENV, "PYTHONPATH": str(project)}
    cpu, started = _children_cpu(), time.perf_counter()
    done = subprocess.run(args, cwd=project, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode not in ok:
        raise SystemExit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return wall, _children_cpu() - cpu


def speed() -> float:
    started = time.perf_counter()
    total = 0
    for i in range(3_000_000):
        total += i % 7
    return time.perf_counter() - started


class Sample:
    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []

    def add(self, measured: tuple[float, float]) -> None:
        self.wall.append(measured[0])
        self.cpu.append(measured[1])

    def summary(self) -> dict[str, float]:
        return {
            "wall_s": round(statistics.median(self.wall), 2),
            "cpu_s": round(statistics.median(self.cpu), 2),
            "wall_runs": [round(w, 2) for w in self.wall],
        }


def alternate(runs: int, variants: dict[str, Callable[[], tuple[float, float]]]) -> dict[str, object]:
    samples = {name: Sample() for name in variants}
    speeds, loads = [], []
    for _ in range(runs):
        speeds.append(speed())
        loads.append(os.getloadavg()[0])
        for name, measure in variants.items():
            samples[name].add(measure())
    result: dict[str, object] = {name: s.summary() for name, s in samples.items()}
    result["speed_s"] = round(statistics.median(speeds), 3)
    result["load_1min"] = [round(x, 2) for x in loads]
    return result


def _ratio(result: dict, a: str, b: str, key: str = "wall_s") -> float:
    return round(result[a][key] / result[b][key], 3)


def gate_against_synth(runs: int) -> dict[str, object]:
    py = sys.executable

    def bare() -> tuple[float, float]:
        with tempfile.TemporaryDirectory() as out:
            return run([py, "-m", "infra", *SUFFIX, "--no-guardrails", "--outdir", out])

    def gate() -> tuple[float, float]:
        with tempfile.TemporaryDirectory() as out:
            measured = run([py, "-m", "compliance", "check", out, "--synth", "--out", f"{out}/reports", "--", *SUFFIX])
            assert json.loads(Path(out, "reports", "findings.json").read_text())["summary"]["verdict"] == "passed"
            return measured

    def two_processes() -> tuple[float, float]:
        with tempfile.TemporaryDirectory() as out:
            synth = run([py, "-m", "infra", *SUFFIX, "--outdir", out])
            check = run([py, "-m", "compliance", "check", out, "--out", f"{out}/reports"])
            return synth[0] + check[0], synth[1] + check[1]

    result = alternate(runs, {"bare_synth": bare, "gate": gate, "gate_two_processes": two_processes})
    result["gate_over_bare"] = _ratio(result, "gate", "bare_synth")
    result["gate_over_bare_cpu"] = _ratio(result, "gate", "bare_synth", "cpu_s")
    result["two_processes_over_bare"] = _ratio(result, "gate_two_processes", "bare_synth")
    return result


def check_against_checkov(runs: int) -> dict[str, object]:
    py = sys.executable
    checkov = str(Path(py).parent / "checkov")
    out = Path(tempfile.mkdtemp(prefix="bench-synth-"))
    try:
        run([py, "-m", "infra", *SUFFIX, "--no-guardrails", "--outdir", str(out)])
        stack = next(out.glob("stacks/*"))
        result = alternate(
            runs,
            {
                "compliance_check": lambda: run([py, "-m", "compliance", "check", str(out), "--out", str(out / "r")]),
                "plain_checkov": lambda: run(
                    [checkov, "-d", str(stack), "--framework", "terraform_json", "--quiet", "-o", "json"], ok=(0, 1)
                ),
            },
        )
    finally:
        shutil.rmtree(out, ignore_errors=True)
    result["check_over_checkov"] = _ratio(result, "compliance_check", "plain_checkov")
    result["check_over_checkov_cpu"] = _ratio(result, "compliance_check", "plain_checkov", "cpu_s")
    return result


def plants_against_bare(runs: int, plants: int = 10) -> dict[str, object]:
    py = sys.executable

    def bare() -> tuple[float, float]:
        with tempfile.TemporaryDirectory() as out:
            return run([py, "bench/multi_plant_app.py", out, str(plants), "--no-guardrails"])

    def gated() -> tuple[float, float]:
        with tempfile.TemporaryDirectory() as out:
            measured = run([py, "bench/multi_plant_app.py", out, str(plants), "--gate", f"{out}/reports"])
            stacks = json.loads(Path(out, "reports", "findings.json").read_text())["stacks"]
            assert len(stacks) == plants
            return measured

    result = alternate(runs, {f"bare_synth_{plants}_plants": bare, f"gate_{plants}_plants": gated})
    result["gated_over_bare"] = _ratio(result, f"gate_{plants}_plants", f"bare_synth_{plants}_plants")
    result["gated_over_bare_cpu"] = _ratio(result, f"gate_{plants}_plants", f"bare_synth_{plants}_plants", "cpu_s")
    return result


def for_each_against_synth(runs: int) -> dict[str, object]:
    py = sys.executable

    def bare() -> tuple[float, float]:
        with tempfile.TemporaryDirectory() as out:
            return run([py, "bench/for_each_app.py", out])

    def gated() -> tuple[float, float]:
        with tempfile.TemporaryDirectory() as out:
            measured = run([py, "bench/for_each_app.py", out, "--gate", f"{out}/reports"])
            findings = json.loads(Path(out, "reports", "findings.json").read_text())
            assert findings["stacks"] and findings["findings"], "the gate judged nothing"
            return measured

    result = alternate(runs, {"bare_synth": bare, "synth_then_gate": gated})
    result["gate_share"] = round(
        (result["synth_then_gate"]["wall_s"] - result["bare_synth"]["wall_s"]) / result["bare_synth"]["wall_s"], 3
    )
    result["synth_then_gate_over_bare"] = _ratio(result, "synth_then_gate", "bare_synth")
    return result


def archived(commit: str, into: Path) -> Path:
    folder = into / commit
    folder.mkdir()
    archive = subprocess.run(["git", "archive", commit], cwd=PROJECT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def before_and_after(runs: int, before: str, after: str) -> dict[str, object]:
    """The gate as tox ran it at two commits: synth with Guardrails, then the gate, in two processes."""
    py = sys.executable
    with tempfile.TemporaryDirectory() as scratch:
        trees = {name: archived(commit, Path(scratch)) for name, commit in (("before", before), ("after", after))}

        def gate(tree: Path) -> Callable[[], tuple[float, float]]:
            def measure() -> tuple[float, float]:
                with tempfile.TemporaryDirectory() as out:
                    synth = run([py, "-m", "infra", *SUFFIX, "--outdir", out], project=tree)
                    check = run([py, "-m", "compliance", "check", out, "--out", f"{out}/r"], project=tree, ok=(0, 1))
                    return synth[0] + check[0], synth[1] + check[1]

            return measure

        result = alternate(runs, {f"gate_at_{before}": gate(trees["before"]), f"gate_at_{after}": gate(trees["after"])})
    result["after_over_before"] = _ratio(result, f"gate_at_{after}", f"gate_at_{before}")
    result["after_over_before_cpu"] = _ratio(result, f"gate_at_{after}", f"gate_at_{before}", "cpu_s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", default="gate,checkov,plants")
    parser.add_argument("--before", default="642edef")
    parser.add_argument("--after", default="2196d46")
    parser.add_argument("--no-record", action="store_true", help="do not append the table to bench/RESULTS.md")
    args = parser.parse_args()
    wanted = set(args.only.split(","))
    report: dict[str, object] = {"runs": args.runs, "python": sys.executable, "cpus": os.cpu_count()}
    verdicts = {}
    if "gate" in wanted:
        report["gate"] = gate_against_synth(args.runs)
        verdicts["gate <= 1.2x bare synth"] = report["gate"]["gate_over_bare"] <= 1.2
    if "checkov" in wanted:
        report["checkov"] = check_against_checkov(args.runs)
        verdicts["compliance check <= 0.6x plain checkov"] = report["checkov"]["check_over_checkov"] <= 0.6
    if "plants" in wanted:
        report["plants"] = plants_against_bare(args.runs)
        verdicts["10 plants gated <= 1.2x their bare synth"] = report["plants"]["gated_over_bare"] <= 1.2
    if "foreach" in wanted:
        report["foreach"] = for_each_against_synth(args.runs)
    if "before" in wanted:
        report["before"] = before_and_after(args.runs, args.before, args.after)
        verdicts["#11 adds <= 5%"] = report["before"]["after_over_before"] <= 1.05
    print(json.dumps(report, indent=2))
    print("; ".join(f"{name}: {'met' if ok else 'MISSED'}" for name, ok in verdicts.items()))
    if not args.no_record:
        record(
            "Gate speed (bench/gate.py)",
            _table(report),
            "; ".join(f"{n}: {'met' if ok else 'MISSED'}" for n, ok in verdicts.items())
            + f". Interpreter: {sys.executable} (runs {args.runs}; load average {os.getloadavg()[0]:.1f} at the end)",
        )


def _table(report: dict[str, object]) -> str:
    """One row per measured variant: median wall and CPU seconds, with the ratios each comparison reports."""
    rows = ["| comparison | variant | wall s (median) | CPU s (median) |", "|---|---|---:|---:|"]
    for name, result in report.items():
        if not isinstance(result, dict):
            continue
        for variant, sample in result.items():
            if isinstance(sample, dict) and "wall_s" in sample:
                rows.append(f"| {name} | {variant} | {sample['wall_s']} | {sample['cpu_s']} |")
            elif isinstance(sample, float) and variant not in ("speed_s",):
                rows.append(f"| {name} | {variant} (ratio) | {sample} | |")
    return "\n".join(rows)


if __name__ == "__main__":
    main()
