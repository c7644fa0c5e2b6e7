"""Standalone speed of the pure detector (no Spark) and the size of a series' state.

    python bench/detector_speed.py [--devices 4] [--batch 17280 --batch 60 --batch 6] [--no-record]

Speed: 4 devices x 6 metrics x 2 simulated days at 10 s (412,320 readings), each series fed in batches of the given
sizes through `detect_series` with its state kept between them, as the Spark layer does per micro-batch; CPU time
(the machine is shared) with a pure-Python loop as a machine-speed indicator, so runs on different days compare.
State: the bytes the Spark layer stores per series (the pickled field tuple), for a series that has learned
everything it keeps (four weeks at 1 minute: every hour of the profile, the calibration's histograms), and the
share of it that is the admission watermark's remembered event ids (which grows with the reporting rate, not with
the model). With BENCH_CODE=DIR in the environment it measures DIR's anomaly package: how "before" is made.
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
if "BENCH_CODE" in os.environ:  # another checkout's anomaly package (BENCH_CODE=/tmp/before: the "before" row)
    sys.path.insert(0, os.environ["BENCH_CODE"])

from anomaly.detector import Params, SeriesState, admit, detect_series
from anomaly.sensor_catalog import spec_for
from anomaly.simulate import fleet
from bench.results import record


def machine_indicator() -> float:
    """CPU seconds of 3 million pure-Python multiply-adds (about 0.27 s on the machine the note's figures are from)."""
    started, total = time.process_time(), 0
    for i in range(3_000_000):
        total += i * i
    return time.process_time() - started


def state_bytes() -> dict[str, int]:
    """Pickled bytes of a fully learned series' state, with and without the ids the watermark remembers."""
    rng = np.random.default_rng(1)
    n = 28 * 1_440
    t = 1_767_225_600.0 + np.arange(n) * 60.0
    x = 50 + 6 * np.sin(2 * np.pi * np.arange(n) / 1_440) + rng.normal(0, 1, n)
    x[::997] += 9.0  # spikes now and then: the calibration's histograms fill
    state = SeriesState()
    params = Params()
    ids = [f"{i:032x}" for i in range(n)]
    admit(state, ids, t, params)
    detect_series(state, t, x, spec_for("temperature"), params)
    whole = len(pickle.dumps(state.to_tuple(), protocol=5))
    state.recent_ids = {}
    return {"state": whole, "model": len(pickle.dumps(state.to_tuple(), protocol=5))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/detector_speed.py")
    parser.add_argument("--devices", type=int, default=4)
    parser.add_argument("--batch", type=int, action="append", help="readings per call (repeatable)")
    parser.add_argument("--no-record", action="store_true")
    ns = parser.parse_args(argv)
    series = fleet(ns.devices, 17_280, seed=3)
    params = Params()
    indicator = machine_indicator()
    rows = ["| readings per call | readings | CPU s | readings per CPU second |", "|---|---|---|---|"]
    for batch in ns.batch or [17_280, 60, 6]:
        cpu, readings = time.process_time(), 0
        for s in series:
            state, spec = SeriesState(), spec_for(s.metric)
            for start in range(0, len(s.values), batch):
                detect_series(state, s.timestamps[start : start + batch], s.values[start : start + batch], spec, params)
            readings += len(s.values)
        cpu = time.process_time() - cpu
        rows.append(f"| {batch:,} | {readings:,} | {cpu:.2f} | {readings / cpu:,.0f} |")
    size = state_bytes()
    rows += [
        "",
        "| state of one series (pickled, as the Spark layer stores it) | bytes |",
        "|---|---|",
        f"| model (level, scale, CUSUMs, profile, calibration, cadence, repetition) | {size['model']:,} |",
        f"| with the watermark's remembered event ids (60 at one reading a minute) | {size['state']:,} |",
    ]
    body = "\n".join(rows)
    notes = f"machine indicator: {indicator:.2f} s CPU for 3M pure-Python steps (lower is a quieter machine)"
    print(f"{body}\n\n{notes}")
    if not ns.no_record:
        code = os.environ.get("BENCH_CODE", "this checkout")
        record(f"Detector speed (pure, no Spark) and state per series: {code}", body, notes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
