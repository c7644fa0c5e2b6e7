"""The sensor catalog: per metric type, its unit, physical range, plausible rate of change and reporting interval."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MetricSpec:
    unit: str
    low: float  # hard limits: outside is impossible or damaging
    high: float
    max_rate_per_s: float  # faster change than this is implausible for the physics
    interval_s: float  # nominal reporting interval


CATALOG: dict[str, MetricSpec] = {
    "temperature": MetricSpec("degC", -40.0, 150.0, 5.0, 10.0),
    "pressure": MetricSpec("bar", 0.0, 16.0, 2.0, 10.0),
    "vibration": MetricSpec("mm_s", 0.0, 50.0, 25.0, 10.0),
    "humidity": MetricSpec("pct", 0.0, 100.0, 5.0, 10.0),
    "current": MetricSpec("A", 0.0, 400.0, 80.0, 10.0),
    "rpm": MetricSpec("rpm", 0.0, 6000.0, 1500.0, 10.0),
}
DEFAULT = MetricSpec("", float("-inf"), float("inf"), float("inf"), 10.0)


def spec_for(metric: str) -> MetricSpec:
    return CATALOG.get(metric, DEFAULT)
