"""Standalone speed of the pure detector (no Spark): readings per CPU second, whole series and micro-batches.

    python bench/detector_speed.py [--devices 4] [--batch 17280 --batch 60 --batch 6]

4 devices x 6 metrics x 2 simulated days at 10 s (412,320 readings), each series fed in batches of the given
sizes through `detect_series` with its state kept between them, as the Spark layer does per micro-batch. Prints
CPU time (the machine is shared: wall time moves with the load) and a pure-Python loop as a machine-speed
indicator, so runs on different days compare.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from anomaly.detector import Params, SeriesState, detect_series
from anomaly.sensor_catalog import spec_for
from anomaly.simulate import fleet


def machine_indicator() -> float:
    """CPU seconds of 3 million pure-Python multiply-adds (about 0.27 s on the machine the note's figures are from)."""
    started, total = time.process_time(), 0
    for i in range(3_000_000):
        total += i * i
    return time.process_time() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/detector_speed.py")
    parser.add_argument("--devices", type=int, default=4)
    parser.add_argument("--batch", type=int, action="append", help="readings per call (repeatable)")
    ns = parser.parse_args(argv)
    series = fleet(ns.devices, 17_280, seed=3)
    params = Params()
    print(f"machine indicator: {machine_indicator():.2f} s CPU for 3M pure-Python steps")
    for batch in ns.batch or [17_280, 60, 6]:
        wall, cpu, readings = time.perf_counter(), time.process_time(), 0
        for s in series:
            state, spec = SeriesState(), spec_for(s.metric)
            for start in range(0, len(s.values), batch):
                detect_series(state, s.timestamps[start : start + batch], s.values[start : start + batch], spec, params)
            readings += len(s.values)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        print(
            f"batches of {batch:>6}: {readings:,} readings, {cpu:.2f} s CPU ({wall:.2f} s wall): "
            f"{readings / cpu:,.0f} readings/s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
