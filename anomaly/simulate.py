"""Realistic sensor signals with labelled anomalies, for quality tests, benchmarks, demos and producers.

`fleet`: smooth daily cycles, noise and slow wear, with injected spikes, drifts, stuck sensors, out-of-range
readings and gaps. `shift_fleet`: machines that run in shifts (weekdays 06:00-22:00 UTC, a step up and down
every day) reporting at their own interval, with injected missed shifts and night runs. Every injection records
the exact first and last reading it affects; `evaluate` grades alarms against those intervals.
"""

from __future__ import annotations

import itertools
import math
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from anomaly.sensor_catalog import spec_for

DAY = 86_400.0

BASELINES = {  # metric -> (level, daily amplitude, noise)
    "temperature": (65.0, 6.0, 0.4),
    "pressure": (6.0, 0.4, 0.05),
    "vibration": (4.0, 0.6, 0.15),
    "humidity": (45.0, 8.0, 0.8),
    "current": (120.0, 15.0, 1.5),
    "rpm": (1800.0, 60.0, 8.0),
}
KINDS = ("spike", "drift", "stuck", "out_of_range", "gap")
SHIFT_KINDS = ("missed_shift", "night_run")
EXPECTED_RULES = {  # the rules whose alarm means the detector found the kind
    "spike": {"ewma_z", "rate_of_change"},
    "drift": {"drift"},
    "stuck": {"stuck"},
    "out_of_range": {"hard_limit"},
    "gap": {"gap"},
    "missed_shift": {"seasonal"},
    "night_run": {"seasonal", "ewma_z"},
}


@dataclass
class Series:
    device_id: str
    metric: str
    production_line: str
    timestamps: np.ndarray
    values: np.ndarray
    labels: list[str | None]  # anomaly kind per reading, None for normal
    injected: list[tuple[str, float, float]] = field(default_factory=list)  # (kind, first, last reading affected)


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
        elif kind == "drift":  # a ramp, a plateau, and back (the sensor recalibrated): the return is a change too
            ramp = np.linspace(0, 40 * noise, 300)[: max(0, readings - at)]
            values[at : at + len(ramp)] += ramp
            values[at + 300 : at + 380] += ramp[-1]
            for i in range(at, min(at + 381, readings)):
                labels[i] = kind
        elif kind == "gap":  # silence: the reading after it is the one that shows it
            keep[at : at + 100] = False
            if at + 100 < readings:
                labels[at + 100] = kind
        first, last = {"spike": (0, 0), "out_of_range": (0, 0), "stuck": (0, 59), "drift": (0, 380), "gap": (100, 100)}[
            kind
        ]
        injected.append((kind, float(t[min(at + first, readings - 1)]), float(t[min(at + last, readings - 1)])))
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


SHIFT_START_H, SHIFT_END_H = 6, 22  # machines run on weekdays from 06:00 to 22:00 UTC


def simulate_shifts(
    device_id: str,
    days: int,
    rng: np.random.Generator,
    interval_s: float = 60.0,
    start: float = 1_767_571_200.0,  # Monday 2026-01-05T00:00:00Z
    production_line: str = "line-1",
    first_anomaly_day: int = 8,
) -> Series:
    """A machine's current in shifts: idle at night and at weekends, running from 06:00 to 22:00 on weekdays
    (a step up and a step down every weekday), reporting every `interval_s` seconds (not the catalog's 10 s).
    From `first_anomaly_day` on, every fourth weekday a missed shift (the machine starts at 10:00, not 06:00)
    or a night run (running from 01:00 to 03:00), alternately."""
    t = start + np.arange(int(days * DAY / interval_s)) * interval_s
    idle, running = rng.uniform(5, 15), rng.uniform(100, 160)
    hour = (t % DAY) / 3600
    weekday = ((t // DAY).astype(np.int64) + 3) % 7 < 5  # 1970-01-01 was a Thursday
    on = weekday & (hour >= SHIFT_START_H) & (hour < SHIFT_END_H)
    labels: list[str | None] = [None] * len(t)
    injected: list[tuple[str, float, float]] = []
    day_of = ((t - start) // DAY).astype(np.int64)
    anomaly_days = [d for d in range(first_anomaly_day, days) if ((start // DAY + d + 3) % 7 < 5)][::4]
    for n, day in enumerate(anomaly_days):
        kind = SHIFT_KINDS[n % len(SHIFT_KINDS)]
        if kind == "missed_shift":
            affected = (day_of == day) & (hour >= SHIFT_START_H) & (hour < SHIFT_START_H + 4)
            on &= ~affected
        else:
            affected = (day_of == day) & (hour >= 1) & (hour < 3)
            on |= affected
        where = np.flatnonzero(affected)
        for i in where.tolist():
            labels[i] = kind
        injected.append((kind, float(t[where[0]]), float(t[where[-1]])))
    values = np.where(on, running, idle) + rng.normal(0, 1, len(t)) * np.where(on, 0.02 * running, 0.5)
    return Series(device_id, "current", production_line, t, np.maximum(values, 0.0), labels, injected)


def shift_fleet(devices: int, days: int, seed: int = 7, interval_s: float = 60.0) -> list[Series]:
    rng = np.random.default_rng(seed)
    return [
        simulate_shifts(f"mill-{d:04d}", days, rng, interval_s, production_line=f"line-{d % 3 + 1}")
        for d in range(devices)
    ]


@dataclass(frozen=True)
class Quality:
    recall: dict[str, float]  # kind -> share of its injections where one of its rules alarmed inside the interval
    precision: dict[str, float]  # kind -> share of its rules' alarms that fall inside some injected interval
    injections: dict[str, int]
    alarms: dict[str, int]  # kind -> alarms of its rules
    overall_precision: float  # share of all readings with an anomaly that fall inside some injected interval
    false_rows: int  # readings with an anomaly outside every injected interval


def evaluate(results: list[tuple[Series, list[list]]], tolerance: int = 3, warmup_s: float = 0.0) -> Quality:
    """Grade detector output against the exact injected intervals: an alarm is true when it falls on a reading
    from the first reading an injection affects to `tolerance` readings after its last (detection may lag a few
    readings: the time-of-day rule needs some in a row). Alarms in the first `warmup_s` seconds of a series
    (before its baselines have learned) are left out of the precision; say so where you pass it."""
    found, total, hits, alarms = {}, {}, {}, {}
    true_rows = all_rows = 0
    for series, per_reading in results:
        t = series.timestamps
        step = float(np.median(np.diff(t))) if len(t) > 1 else 0.0
        spans = [(kind, start, end + tolerance * step) for kind, start, end in series.injected]
        inside = np.zeros(len(t), dtype=bool)
        for _, start, end in spans:
            inside |= (t >= start) & (t <= end)
        for kind, start, end in spans:
            total[kind] = total.get(kind, 0) + 1
            window = np.flatnonzero((t >= start) & (t <= end)).tolist()
            found[kind] = found.get(kind, 0) + any(
                a.rule in EXPECTED_RULES[kind] for i in window for a in per_reading[i]
            )
        settled = t >= t[0] + warmup_s if len(t) else inside
        for i, anomalies in enumerate(per_reading):
            if not anomalies or not settled[i]:
                continue
            all_rows += 1
            true_rows += bool(inside[i])
            rules = {a.rule for a in anomalies}
            for kind in [k for k, expected in EXPECTED_RULES.items() if rules & expected]:
                alarms[kind] = alarms.get(kind, 0) + 1
                hits[kind] = hits.get(kind, 0) + bool(inside[i])
    kinds = [k for k in (*KINDS, *SHIFT_KINDS) if total.get(k)]
    return Quality(
        recall={k: found[k] / total[k] for k in kinds},
        precision={k: hits[k] / alarms[k] if alarms.get(k) else 1.0 for k in kinds},
        injections={k: total[k] for k in kinds},
        alarms={k: alarms.get(k, 0) for k in kinds},
        overall_precision=true_rows / all_rows if all_rows else 1.0,
        false_rows=all_rows - true_rows,
    )
