"""Realistic sensor signals with labelled anomalies, for quality tests, benchmarks, demos and producers.

`simulate(Scenario(...))`: one series at any cadence, flat or with a daily cycle (amplitude and phase in noise
deviations), with injected anomalies at exact times: spike, level_shift, stuck, noise_burst, out_of_range, drift
and gap. `fleet`: devices x metrics at the catalog's 10 s with one anomaly of each kind per slot (the pipeline's
and the benches' load). `shift_fleet`: machines that run in shifts (weekdays 06:00-22:00 UTC) with missed shifts
and night runs. Every injection records the first and last reading it affects; `evaluate` grades detections
against exactly those intervals.
"""

from __future__ import annotations

import itertools
import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from anomaly.sensor_catalog import spec_for

DAY = 86_400.0
START = 1_767_225_600.0  # 2026-01-01T00:00:00Z

BASELINES = {  # metric -> (level, daily amplitude, noise)
    "temperature": (65.0, 6.0, 0.4),
    "pressure": (6.0, 0.4, 0.05),
    "vibration": (4.0, 0.6, 0.15),
    "humidity": (45.0, 8.0, 0.8),
    "current": (120.0, 15.0, 1.5),
    "rpm": (1800.0, 60.0, 8.0),
}
KINDS = ("spike", "level_shift", "stuck", "noise_burst", "out_of_range", "drift", "gap")
SHIFT_KINDS = ("missed_shift", "night_run")


@dataclass
class Series:
    device_id: str
    metric: str
    production_line: str
    timestamps: np.ndarray
    values: np.ndarray
    labels: list[str | None]  # anomaly kind per reading, None for normal
    injected: list[tuple[str, float, float]] = field(default_factory=list)  # (kind, first, last reading affected)


@dataclass(frozen=True)
class Injection:
    """One anomaly: its kind, size, how long it lasts and when it starts (seconds after the series' start).
    Sizes are in noise deviations (spike, level_shift, drift: the step or ramp height) or a factor of the noise
    (noise_burst); stuck repeats the reading at its start, out_of_range reads 10% beyond the catalog's range,
    gap is a silence."""

    kind: str
    size: float = 0.0
    duration_s: float = 0.0
    at_s: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"Injection kind {self.kind!r}: use one of {', '.join(KINDS)}")


@dataclass(frozen=True)
class Scenario:
    """A series to simulate: cadence, length, daily cycle (amplitude in noise deviations; 0 is flat) and phase,
    noise, the catalog metric it claims (its limits make out_of_range) and the injections."""

    cadence_s: float = 60.0
    days: float = 3.0
    cycle: float = 0.0
    phase: float = 0.0
    level: float = 50.0
    noise: float = 1.0
    metric: str = "temperature"
    seed: int = 0
    injections: tuple[Injection, ...] = ()


def simulate(scenario: Scenario, device_id: str = "sim-0", production_line: str = "line-1") -> Series:
    """The scenario's readings, the anomalies injected at their exact times, each reading labelled."""
    rng = np.random.default_rng(scenario.seed)
    s = scenario
    count = round(s.days * DAY / s.cadence_s)
    t = START + np.arange(count) * s.cadence_s
    cycle = s.cycle * s.noise * np.sin(2 * math.pi * (t - START) / DAY + s.phase)
    values = s.level + cycle + rng.normal(0.0, s.noise, count)
    return _inject(Series(device_id, s.metric, production_line, t, values, [None] * count), s.injections, s.noise, rng)


def _inject(series: Series, injections: Sequence[Injection], noise: float, rng: np.random.Generator) -> Series:
    t, values = series.timestamps, series.values
    keep = np.ones(len(t), dtype=bool)
    spec = spec_for(series.metric)
    for injection in injections:
        begin = int(np.searchsorted(t, t[0] + injection.at_s))
        end = max(begin + 1, int(np.searchsorted(t, t[0] + injection.at_s + injection.duration_s)))
        if begin >= len(t):
            raise ValueError(f"{injection}: starts after the series ends ({len(t)} readings)")
        end = min(end, len(t))
        span = slice(begin, end)
        kind, size = injection.kind, injection.size
        if kind == "spike":
            end, span = begin + 1, slice(begin, begin + 1)
            values[begin] += size * noise * (1 if rng.random() < 0.5 else -1)
        elif kind == "level_shift":
            values[span] += size * noise * (1 if rng.random() < 0.5 else -1)
        elif kind == "drift":  # a ramp to `size` deviations over the duration, then the sensor is recalibrated
            values[span] += np.linspace(0.0, size * noise, end - begin)
        elif kind == "stuck":
            values[span] = values[begin]
        elif kind == "noise_burst":
            values[span] += rng.normal(0.0, noise * math.sqrt(max(size * size - 1, 0.0)), end - begin)
        elif kind == "out_of_range":
            end, span = begin + 1, slice(begin, begin + 1)
            values[begin] = spec.high + 0.1 * (spec.high - spec.low)
        elif kind == "gap":  # silence; the reading after it is the one that shows it
            keep[span] = False
            begin = end = min(end, len(t) - 1)
            span = slice(begin, begin + 1)
        first, last = float(t[begin]), float(t[end - 1] if kind != "gap" else t[begin])
        for i in range(span.start, span.stop):
            series.labels[i] = kind
        series.injected.append((kind, first, last))
    return Series(
        series.device_id,
        series.metric,
        series.production_line,
        t[keep],
        values[keep],
        [label for label, kept in zip(series.labels, keep, strict=True) if kept],
        series.injected,
    )


def simulate_series(
    device_id: str,
    metric: str,
    readings: int,
    rng: np.random.Generator,
    start: float = START,
    production_line: str = "line-1",
    anomalies: int = len(KINDS),
) -> Series:
    """A metric at the catalog's interval with its typical daily cycle and slow wear, and `anomalies` injections
    of every kind in turn, each in a slot of its own after a fifth of the series."""
    level, amplitude, noise = BASELINES[metric]
    interval = spec_for(metric).interval_s
    t = start + np.arange(readings) * interval
    phase = rng.uniform(0, 2 * math.pi)
    wear = rng.uniform(0, 0.02) * noise / DAY  # slow drift within normal limits
    values = level + amplitude * np.sin(2 * math.pi * t / DAY + phase) + wear * (t - start)
    values = values + rng.normal(0, noise, readings)
    series = Series(device_id, metric, production_line, t, values, [None] * readings)
    slots = np.linspace(readings * 0.2, readings * 0.95, num=max(anomalies, 1) + 1, dtype=int)
    injections = []
    for n, (begin, end) in enumerate(itertools.pairwise(slots)):
        kind = KINDS[n % len(KINDS)]
        at = int(rng.integers(begin, max(begin + 1, end - 400)))
        size = {"spike": rng.uniform(15, 30), "level_shift": 10.0, "drift": 40.0, "noise_burst": 6.0}.get(kind, 0.0)
        duration = {"level_shift": 120, "stuck": 60, "noise_burst": 90, "drift": 300, "gap": 100}.get(kind, 1)
        injections.append(Injection(kind, size, duration * interval, at * interval))
    return _inject(series, injections, noise, rng)


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
    recall: dict[str, float]  # kind -> share of its injections with an alert reading inside their exact interval
    injections: dict[str, int]
    missed: list[tuple[str, str, float]]  # (device, kind, first reading's time) of each injection not found
    false_episodes: int  # episodes starting after the warm-up outside every labelled window
    days: float  # series-days after the warm-up
    reasons: dict[str, dict[str, int]]  # kind -> the reasons of the alert readings that found it

    @property
    def false_per_day(self) -> float:
        return self.false_episodes / self.days if self.days else 0.0


def evaluate(results: Sequence[tuple[Series, np.ndarray, list, list]], threshold: float, warmup_s: float) -> Quality:
    """Grade detections against the exact injected intervals. `results`: per series its per-reading scores, the
    reasons of its readings and its alert episodes. An injection is found when a reading from its first to its
    last scores at least `threshold` (a gap: the reading after the silence carries the gap row, which is not an
    alert and is graded by the reason). A false episode starts after `warmup_s` outside every labelled window:
    an injection's interval and as long again after it (the return to normal is a change too), at least an
    hour."""
    found: dict[str, int] = {}
    total: dict[str, int] = {}
    missed: list[tuple[str, str, float]] = []
    reasons: dict[str, dict[str, int]] = {}
    false_episodes, days = 0, 0.0
    for series, scores, per_reading, episodes in results:
        t = series.timestamps
        windows = [(first, last + max(last - first, 3600.0)) for _, first, last in series.injected]
        for kind, first, last in series.injected:
            inside = np.flatnonzero((t >= first) & (t <= last))
            if kind == "gap":
                hit = any(a.rule == "gap" for i in inside.tolist() for a in per_reading[i])
                alerting = inside[:0]
            else:
                alerting = inside[scores[inside] >= threshold]
                hit = len(alerting) > 0
            total[kind] = total.get(kind, 0) + 1
            found[kind] = found.get(kind, 0) + hit
            if not hit:
                missed.append((series.device_id, kind, first))
            for i in alerting.tolist():
                for a in per_reading[i]:
                    if a.severity != "info":
                        reasons.setdefault(kind, {}).setdefault(a.rule, 0)
                        reasons[kind][a.rule] += 1
        settled = t[0] + warmup_s
        days += max(0.0, float(t[-1]) - settled) / DAY
        false_episodes += sum(
            1
            for e in episodes
            if e.start_ts >= settled and not any(start <= e.start_ts <= end for start, end in windows)
        )
    kinds = [k for k in (*KINDS, *SHIFT_KINDS) if total.get(k)]
    return Quality(
        recall={k: found[k] / total[k] for k in kinds},
        injections={k: total[k] for k in kinds},
        missed=missed,
        false_episodes=false_episodes,
        days=days,
        reasons=reasons,
    )
