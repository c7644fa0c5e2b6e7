"""Benchmark: bare synth vs the full gate (synth + Guardrails + Checkov + reports), with 10 production lines, and
with 10 plant stacks in one app (10x the resources).

Each measurement runs fresh processes, as `python -m infra` and `tox -e compliance` do. Median of --runs.
Targets (issue #3): gate <= 1.3x bare synth; 10x production lines <= 2x the gate time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
ENV = {
    **os.environ,
    "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    "BC_SKIP_MAPPING": "TRUE",
    "CKV_SKIP_PACKAGE_UPDATE_CHECK": "TRUE",
    "PYTHONPATH": str(PROJECT),
}


def _run(args: list[str]) -> float:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, *args], cwd=PROJECT, env=ENV, capture_output=True, text=True)
    if done.returncode not in (0,):
        raise SystemExit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return time.perf_counter() - started


def bare(lines: int) -> float:
    with tempfile.TemporaryDirectory() as out:
        return _run(
            [
                "-m",
                "infra",
                "--environment-suffix",
                "bench",
                "--production-lines",
                str(lines),
                "--no-guardrails",
                "--outdir",
                out,
            ]
        )


def gate(lines: int) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as out:
        seconds = _run(
            ["-m", "infra", "--environment-suffix", "bench", "--production-lines", str(lines), "--outdir", out]
        )
        seconds += _run(["-m", "compliance", "check", out, "--out", f"{out}/reports"])
        findings = json.loads(Path(out, "reports", "findings.json").read_text())
        stack = next(Path(out, "stacks").glob("*/cdk.tf.json"))
        resources = sum(len(v) for v in json.loads(stack.read_text())["resource"].values())
        assert findings["summary"]["verdict"] == "passed"
        return seconds, resources


def plants_bare(plants: int) -> float:
    with tempfile.TemporaryDirectory() as out:
        return _run(["bench/multi_plant_app.py", out, str(plants), "--no-guardrails"])


def plants_gate(plants: int) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as out:
        seconds = _run(["bench/multi_plant_app.py", out, str(plants)])
        seconds += _run(["-m", "compliance", "check", out, "--out", f"{out}/reports"])
        resources = sum(
            sum(len(v) for v in json.loads(p.read_text())["resource"].values())
            for p in Path(out, "stacks").glob("*/cdk.tf.json")
        )
        return seconds, resources


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rows = {}
    for lines in (1, 10):
        bare_times = [bare(lines) for _ in range(args.runs)]
        gate_runs = [gate(lines) for _ in range(args.runs)]
        rows[lines] = {
            "bare_synth_s": round(statistics.median(bare_times), 2),
            "gate_s": round(statistics.median(t for t, _ in gate_runs), 2),
            "resources": gate_runs[0][1],
        }
    plant_bare = [plants_bare(10) for _ in range(args.runs)]
    plant_gate = [plants_gate(10) for _ in range(args.runs)]
    rows["plants"] = {
        "bare_synth_s": round(statistics.median(plant_bare), 2),
        "gate_s": round(statistics.median(t for t, _ in plant_gate), 2),
        "resources": plant_gate[0][1],
    }
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    one, ten = rows[1], rows[10]
    report = {
        "runs": args.runs,
        "one_line": one,
        "ten_lines": ten,
        "gate_over_bare": round(one["gate_s"] / one["bare_synth_s"], 3),
        "ten_lines_gate_over_gate": round(ten["gate_s"] / one["gate_s"], 3),
        "resource_ratio": round(ten["resources"] / one["resources"], 2),
        "ten_plants": rows["plants"],
        "ten_plants_gate_over_gate": round(rows["plants"]["gate_s"] / one["gate_s"], 3),
        "ten_plants_resource_ratio": round(rows["plants"]["resources"] / one["resources"], 2),
        "peak_child_rss_mb": round(peak_mb),
    }
    print(json.dumps(report, indent=2))
    verdict = {
        "gate <= 1.3x bare synth": report["gate_over_bare"] <= 1.3,
        "10 lines <= 2x gate": report["ten_lines_gate_over_gate"] <= 2,
        "10 plants (10x resources) <= 2x gate": report["ten_plants_gate_over_gate"] <= 2,
    }
    print("; ".join(f"{name}: {'met' if ok else 'MISSED'}" for name, ok in verdict.items()))


if __name__ == "__main__":
    main()
