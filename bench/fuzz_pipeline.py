"""Robustness bench: 5,000 generated inputs (tests/anomaly/fuzzing.py: lines of bytes, text or not) through parse and
the stateful detector on local[2], in Spark runs of 500 inputs, each input checked on its own (lines in = event rows
+ quarantine rows). Exits non-zero on the first input that loses or doubles a line, naming the seed that repeats
it; the totals go to bench/RESULTS.md.

Run in the job env: PYSPARK_PYTHON=python python bench/fuzz_pipeline.py [--inputs 5000] [--per-run 500] [--seed N]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

from anomaly.__main__ import spark_session
from bench.results import record
from tests.anomaly.fuzzing import check_inputs, generate_input


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--inputs", type=int, default=5000)
    parser.add_argument("--per-run", type=int, default=500)
    parser.add_argument("--seed", type=int, default=random.SystemRandom().randrange(2**32))
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    spark = spark_session("sensor-anomalies-fuzz")
    totals: dict[str, int] = {}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for run, first in enumerate(range(0, args.inputs, args.per_run)):
            seed = args.seed + run
            rng = random.Random(seed)
            inputs = [generate_input(rng) for _ in range(min(args.per_run, args.inputs - first))]
            try:
                found = check_inputs(spark, inputs, Path(tmp) / f"run-{run}")
            except AssertionError as error:
                print(f"FAILED: {error} (repeat: --seed {seed} --inputs {len(inputs)} --per-run {len(inputs)})")
                return 1
            for key, value in found.items():
                totals[key] = totals.get(key, 0) + value
    spark.stop()
    seconds = round(time.perf_counter() - started, 1)
    print(json.dumps({"seed": args.seed, **totals, "seconds": seconds}))
    print(f"{totals['inputs']} inputs, {totals['lines']} lines: every input conserved (in = curated + quarantined)")
    if not args.no_record:
        body = "\n".join(
            [
                "| inputs | lines | curated | quarantined | anomaly rows | episode rows | seconds | lost or doubled |",
                "|---|---|---|---|---|---|---|---|",
                f"| {totals['inputs']:,} | {totals['lines']:,} | {totals['events']:,} | {totals['quarantined']:,} | "
                f"{totals['anomalies']:,} | {totals['episodes']:,} | {seconds} | none |",
            ]
        )
        notes = f"seed {args.seed}; lines are bytes: invalid UTF-8, encoded lone surrogates, NUL, oversized lines"
        record("Fuzzed inputs through parse and the stateful detector (local[2])", body, notes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
