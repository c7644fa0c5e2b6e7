"""Benchmark: events/s through the full job layer (parse, validate, stateful detection, idempotent sinks) on
local[2], and the peak memory of the whole process tree (driver JVM + Python workers). Target: >= 150,000
events/s within 2 GB on a 2-core machine (15x the mission load). Run in the job env: tox -e job -- ... or
PYSPARK_PYTHON=python python bench/job_throughput.py --events 2000000
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

from infra.jobs.__main__ import run_local, spark_session
from infra.jobs.simulate import fleet, to_events


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
    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = 0
        self.running = True

    def run(self) -> None:
        me = psutil.Process()
        while self.running:
            total = 0
            for proc in [me, *me.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):  # a worker may exit between listing and reading
                    total += proc.memory_info().rss
            self.peak = max(self.peak, total)
            time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=2_000_000)
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
        warm = time.perf_counter()
        run_local(root / "in", root / "out", spark=spark)
        first = time.perf_counter() - warm
        spark.stop()
        monitor.running = False
        monitor.join()
    totals_rate = count / first
    report = {
        "events": count,
        "generate_s": round(generated, 1),
        "job_s": round(first, 1),
        "events_per_s": round(totals_rate),
        "peak_tree_rss_mb": round(monitor.peak / 2**20),
    }
    print(json.dumps(report))
    print(
        f">= 150,000 events/s: {'met' if totals_rate >= 150_000 else 'MISSED'}; "
        f"<= 2 GB: {'met' if monitor.peak <= 2 * 2**30 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
