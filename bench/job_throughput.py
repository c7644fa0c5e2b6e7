"""Benchmark: events/s through the full job layer (parse, validate, stateful detection, idempotent sinks) on
local[2], and the peak memory of the whole process tree (driver JVM + Python workers). Target: >= 150,000
events/s within 2 GB on a 2-core machine (15x the mission load).

Two figures: `cold` is the first pass in a fresh JVM (JIT compilation included); `steady` is a second pass over
the same events with a new checkpoint and output in the same JVM, which is what a long-running stream sees.
--floor also times Spark's own share: the JSON parse alone, and applyInPandasWithState with an empty function
over the two key columns (no detection, no writes), the least the mandated operators cost on this machine.

Run in the job env: PYSPARK_PYTHON=python python bench/job_throughput.py --events 2000000 [--floor]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

from anomaly.__main__ import run_local, spark_session
from anomaly.simulate import fleet, to_events


def write_events(folder: Path, total: int, files: int = 8) -> int:
    devices = max(1, total // (6 * 2000))
    readings = max(100, total // (devices * 6))
    written = 0
    handles = [open(folder / f"part-{i:02d}.jsonl", "w") for i in range(files)]  # noqa: SIM115
    try:
        for n, series in enumerate(fleet(devices, readings, seed=13)):
            handle = handles[n % files]
            for event in to_events(series):
                handle.write(json.dumps(event, separators=(",", ":")) + "\n")
                written += 1
    finally:
        for handle in handles:
            handle.close()
    return written


class PeakTreeMemory(threading.Thread):
    """Peak memory of this process and its descendants (the Spark JVM, the Python workers), as the sum of their
    proportional set sizes: pages that forked Python workers share with their daemon are counted once."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = 0
        self.breakdown: dict[str, int] = {}
        self.running = True

    def run(self) -> None:
        me = psutil.Process()
        while self.running:
            sizes: dict[str, int] = {}
            for proc in [me, *me.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):  # a worker may exit between listing and reading
                    name = "jvm" if proc.name() == "java" else "python"
                    sizes[name] = sizes.get(name, 0) + proc.memory_full_info().pss
            if sum(sizes.values()) > self.peak:
                self.peak, self.breakdown = sum(sizes.values()), sizes
            time.sleep(0.2)


def floor(spark, source: Path, count: int) -> dict[str, int]:
    """Events/s of the parse alone and of parse + the stateful operator doing nothing (two key columns)."""
    import pandas as pd
    from pyspark.sql import functions as F
    from pyspark.sql.streaming.state import GroupStateTimeout

    from anomaly.pipeline import STATE_SCHEMA, parse

    def nothing(key, batches, state):
        rows = sum(len(b) for b in batches)
        state.update(("",))
        yield pd.DataFrame({"rows": [rows]})

    started = time.perf_counter()
    parse(spark.read.text(str(source)).withColumnRenamed("value", "data")).write.format("noop").mode("overwrite").save()
    parse_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as checkpoint:
        stream = parse(spark.readStream.format("text").load(str(source)).withColumnRenamed("value", "data"))
        grouped = stream.where(F.col("reason").isNull()).select("device_id", "metric").groupBy("device_id", "metric")
        query = (
            grouped.applyInPandasWithState(nothing, "rows long", STATE_SCHEMA, "append", GroupStateTimeout.NoTimeout)
            .writeStream.foreachBatch(lambda frame, _: frame.write.format("noop").mode("overwrite").save())
            .option("checkpointLocation", checkpoint)
            .trigger(availableNow=True)
        )
        started = time.perf_counter()
        query.start().awaitTermination()
        operator_s = time.perf_counter() - started
    return {"parse_only_events_per_s": round(count / parse_s), "empty_state_op_events_per_s": round(count / operator_s)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--floor", action="store_true", help="also time the parse and an empty state operator")
    parser.add_argument("--files-per-batch", type=int, default=2, help="micro-batch size (of 8 input files)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "in").mkdir()
        started = time.perf_counter()
        count = write_events(root / "in", args.events)
        generated = time.perf_counter() - started
        monitor = PeakTreeMemory()
        monitor.start()
        spark = spark_session("sensor-anomalies-bench")
        timings = []
        for run in ("cold", "steady"):
            started = time.perf_counter()
            totals = run_local(root / "in", root / f"out-{run}", spark=spark, files_per_batch=args.files_per_batch)
            timings.append(time.perf_counter() - started)
            if totals["records"] != count:
                raise SystemExit(f"{run} pass: {totals['records']} records out of {count} events: rows were lost")
        extra = floor(spark, root / "in", count) if args.floor else {}
        spark.stop()
        monitor.running = False
        monitor.join()
    cold, steady = (count / t for t in timings)
    report = {
        "events": count,
        "generate_s": round(generated, 1),
        "cold_s": round(timings[0], 1),
        "cold_events_per_s": round(cold),
        "steady_s": round(timings[1], 1),
        "steady_events_per_s": round(steady),
        **extra,
        "peak_tree_pss_mb": round(monitor.peak / 2**20),
        "peak_by_kind_mb": {kind: round(size / 2**20) for kind, size in monitor.breakdown.items()},
    }
    print(json.dumps(report))
    verdict = {True: "met", False: "MISSED"}
    print(
        f">= 150,000 events/s: cold {verdict[cold >= 150_000]}, steady {verdict[steady >= 150_000]}; "
        f"<= 2 GB: {verdict[monitor.peak <= 2 * 2**30]}"
    )


if __name__ == "__main__":
    main()
