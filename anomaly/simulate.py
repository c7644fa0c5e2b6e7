"""Realistic sensor signals with labelled anomalies: daily cycles, noise and slow wear, plus injected spikes,
drifts, stuck sensors, out-of-range readings and gaps. For quality tests, benchmarks, demos and producers."""

from __future__ import annotations

import itertools
import math
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from anomaly.sensor_catalog import spec_for

BASELINES = {  # metric -> (level, daily amplitude, noise)
    "temperature": (65.0, 6.0, 0.4),
    "pressure": (6.0, 0.4, 0.05),
    "vibration": (4.0, 0.6, 0.15),
    "humidity": (45.0, 8.0, 0.8),
    "current": (120.0, 15.0, 1.5),
    "rpm": (1800.0, 60.0, 8.0),
}
KINDS = ("spike", "drift", "stuck", "out_of_range", "gap")
EXPECTED_RULES = {
    "spike": {"ewma_z", "robust_z", "rate_of_change"},
    "drift": {"drift"},
    "stuck": {"stuck"},
    "out_of_range": {"hard_limit"},
    "gap": {"gap"},
}


@dataclass
class Series:
    device_id: str
    metric: str
    production_line: str
    timestamps: np.ndarray
    values: np.ndarray
    labels: list[str | None]  # anomaly kind per reading, None for normal
    injected: list[tuple[str, float, float]] = field(default_factory=list)  # (kind, first ts, last ts affected)


def simulate_series(
    device_id: str,
    metric: str,
    readings: int,
    rng: np.random.Generator,
    start: float = 1_767_225_600.0,  # 2026-01-01T00:00:00Z
    production_line: str = "line-1",
    anomalies: int = 6,
) -> Series:
    level, amplitude, noise = BASELINES[metric]
    interval = spec_for(metric).interval_s
    t = start + np.arange(readings) * interval
    phase = rng.uniform(0, 2 * math.pi)
    wear = rng.uniform(0, 0.02) * noise / 86_400  # slow drift within normal limits
    values = level + amplitude * np.sin(2 * math.pi * t / 86_400 + phase) + wear * (t - start)
    values = values + rng.normal(0, noise, readings)
    labels: list[str | None] = [None] * readings
    injected: list[tuple[str, float, float]] = []
    keep = np.ones(readings, dtype=bool)
    spec = spec_for(metric)
    # Injections in separate slots, after a warm-up period long enough for the baselines.
    slots = np.linspace(readings * 0.2, readings * 0.95, num=max(anomalies, 1) + 1, dtype=int)
    for n, (begin, end) in enumerate(itertools.pairwise(slots)):
        kind = KINDS[n % len(KINDS)]
        at = int(rng.integers(begin, max(begin + 1, end - 400)))
        if kind == "spike":
            values[at] += rng.choice([-1, 1]) * rng.uniform(15, 30) * noise
            labels[at] = kind
        elif kind == "out_of_range":
            values[at] = spec.high + abs(spec.high - spec.low) * 0.1 if spec.high < math.inf else values[at]
            labels[at] = kind
        elif kind == "stuck":
            values[at : at + 60] = values[at]
            for i in range(at, min(at + 60, readings)):
                labels[i] = kind
        elif kind == "drift":
            ramp = np.linspace(0, 40 * noise, 300)[: max(0, readings - at)]
            values[at : at + len(ramp)] += ramp
            values[at + 300 : at + 380] += ramp[-1]
            for i in range(at + 60, min(at + 380, readings)):
                labels[i] = kind
        elif kind == "gap":
            keep[at : at + 100] = False
            if at + 100 < readings:
                labels[at + 100] = kind
        span = {"spike": 1, "out_of_range": 1, "stuck": 60, "drift": 380, "gap": 101}[kind]
        injected.append((kind, float(t[at]), float(t[min(at + span, readings - 1)])))
    return Series(
        device_id,
        metric,
        production_line,
        t[keep],
        values[keep],
        [lab for lab, k in zip(labels, keep, strict=True) if k],
        injected,
    )


def to_events(series: Series) -> list[dict]:
    """The series as sensor events (the JSON the devices publish), with stable event ids."""
    unit = spec_for(series.metric).unit
    namespace = uuid.uuid5(uuid.NAMESPACE_URL, f"{series.device_id}/{series.metric}")
    return [
        {
            "event_id": str(uuid.uuid5(namespace, str(i))),
            "device_id": series.device_id,
            "production_line": series.production_line,
            "metric": series.metric,
            "value": round(float(v), 4),
            "unit": unit,
            "event_ts": datetime.fromtimestamp(float(ts), UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            "seq": i,
        }
        for i, (ts, v) in enumerate(zip(series.timestamps, series.values, strict=True))
    ]


def fleet(devices: int, readings: int, seed: int = 7, metrics: tuple[str, ...] = tuple(BASELINES)) -> list[Series]:
    rng = np.random.default_rng(seed)
    return [
        simulate_series(f"press-{d:04d}", metric, readings, rng, production_line=f"line-{d % 3 + 1}")
        for d in range(devices)
        for metric in metrics
    ]


@dataclass(frozen=True)
class Quality:
    recall: dict[str, float]  # anomaly kind -> share of injections that the expected rule found
    precision: dict[str, float]  # rule -> share of its alarms that fall on an injected anomaly
    alarms: dict[str, int]


def evaluate(results: list[tuple[Series, list[list]]], settle_s: float = 4_500.0) -> Quality:
    """Score detector output against the injections; an alarm is true if it falls inside an injected window
    extended by `settle_s`: the time the slow drift baseline needs to settle after a disturbance (3 time constants
    of 150 readings at 10 s). The end of an injected drift is itself a level change the detector reports."""
    found = {k: 0 for k in KINDS}
    total = {k: 0 for k in KINDS}
    true_alarms: dict[str, int] = {}
    alarms: dict[str, int] = {}
    for series, per_reading in results:
        windows = [(kind, start, end + settle_s) for kind, start, end in series.injected]
        for kind, start, end in series.injected:
            total[kind] += 1
            hit = any(
                a.rule in EXPECTED_RULES[kind]
                for ts, anomalies in zip(series.timestamps, per_reading, strict=True)
                if start <= ts <= end + 60
                for a in anomalies
            )
            found[kind] += hit
        for ts, anomalies in zip(series.timestamps, per_reading, strict=True):
            for a in anomalies:
                alarms[a.rule] = alarms.get(a.rule, 0) + 1
                if any(start <= ts <= end for _, start, end in windows):
                    true_alarms[a.rule] = true_alarms.get(a.rule, 0) + 1
    return Quality(
        recall={k: found[k] / total[k] for k in KINDS if total[k]},
        precision={rule: true_alarms.get(rule, 0) / n for rule, n in alarms.items()},
        alarms=alarms,
    )
