"""Pure anomaly detection over one device x metric series: rules that explain themselves (no Spark, no AWS).

Rules: hard limits from the sensor catalog, EWMA z-score, robust z (median/MAD over a window), rate of change,
stuck sensor, gaps and drift (a fast EWMA pulling away from a slow one, measured in noise units).
Every anomaly names its rule, the value, the expected range and a severity. The state is plain data so Spark
can keep it between micro-batches.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from infra.jobs.sensor_catalog import MetricSpec

RULES = ("hard_limit", "ewma_z", "robust_z", "rate_of_change", "stuck", "gap", "drift")
MAD_SCALE = 1.4826  # MAD of a normal distribution -> standard deviation


@dataclass(frozen=True)
class Params:
    alpha: float = 0.05  # EWMA weight of the newest reading (time constant ~20 readings)
    warmup: int = 30  # readings before statistical rules speak
    z_warning: float = 5.0
    z_critical: float = 9.0
    window: int = 32  # robust z window
    robust_z: float = 7.0
    stuck_run: int = 30  # identical readings in a row
    gap_factor: float = 6.0  # silence longer than this many reporting intervals
    base_alpha: float = 1 / 150  # slow baseline for drift (time constant 150 readings, 25 min at 10 s)
    drift_z: float = 8.0  # fast-vs-slow divergence, in noise standard deviations
    drift_window: int = 150  # readings before the drift rule speaks (the slow baseline has settled)
    lateness_s: float = 600.0  # watermark: older than newest - lateness is late


@dataclass
class SeriesState:
    n: int = 0
    mean: float = 0.0
    var: float = 0.0
    base_mean: float = 0.0
    base_var: float = 0.0
    drifting: bool = False
    last_ts: float = -math.inf
    last_value: float = math.nan
    stuck_count: int = 0
    max_ts: float = -math.inf
    window: list[float] = field(default_factory=list)
    recent_ids: dict[str, float] = field(default_factory=dict)
    prune_at: int = 256

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SeriesState:
        return cls(**data)


@dataclass(frozen=True)
class Anomaly:
    rule: str
    value: float
    expected_low: float | None
    expected_high: float | None
    severity: str  # info, warning, critical
    message: str


def admit(state: SeriesState, event_id: str, ts: float, params: Params) -> str | None:
    """None if the reading is new and within the watermark, else the quarantine reason."""
    if ts < state.max_ts - params.lateness_s:
        return f"late: {state.max_ts - ts:.0f}s behind the newest reading (watermark {params.lateness_s:.0f}s)"
    if event_id in state.recent_ids:
        return "duplicate event_id"
    state.recent_ids[event_id] = ts
    if ts > state.max_ts:
        state.max_ts = ts
        if len(state.recent_ids) > state.prune_at:  # prune rarely: ids behind the watermark can never be admitted
            horizon = ts - params.lateness_s
            state.recent_ids = {k: v for k, v in state.recent_ids.items() if v >= horizon}
            state.prune_at = max(256, 2 * len(state.recent_ids))  # amortised O(1) per reading
    return None


def robust_scores(window: list[float], values: np.ndarray, params: Params) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each value: robust z against the `window` readings before it, with the median and scaled MAD."""
    history = np.concatenate([np.asarray(window, dtype=float), values])
    count = len(values)
    z = np.zeros(count)
    med = np.full(count, np.nan)
    scale = np.full(count, np.nan)
    offset = len(window)
    if len(history) <= params.window:
        return z, med, scale
    views = np.lib.stride_tricks.sliding_window_view(history[:-1], params.window)  # views[j] precedes history[j+W]
    first = max(0, params.window - offset)  # first value with a full window before it
    if first >= count:
        return z, med, scale
    rows = views[offset + first - params.window : offset + count - params.window]
    med[first:] = np.median(rows, axis=1)
    mad = np.median(np.abs(rows - med[first:, None]), axis=1) * MAD_SCALE
    scale[first:] = mad
    with np.errstate(divide="ignore", invalid="ignore"):
        z[first:] = np.where(mad > 0, np.abs(values[first:] - med[first:]) / mad, 0.0)
    return z, med, scale


def detect_series(
    state: SeriesState, timestamps: np.ndarray, values: np.ndarray, spec: MetricSpec, params: Params
) -> list[list[Anomaly]]:
    """Anomalies for each reading (in time order), updating `state` in place."""
    rz, med, mad = robust_scores(state.window, values, params)
    out: list[list[Anomaly]] = []
    gap_limit = params.gap_factor * spec.interval_s
    a, b = params.alpha, params.base_alpha
    for i in range(len(values)):
        x, ts = float(values[i]), float(timestamps[i])
        found: list[Anomaly] = []
        if x < spec.low or x > spec.high:
            found.append(Anomaly("hard_limit", x, spec.low, spec.high, "critical", f"outside {spec.low}..{spec.high}"))
        dt = ts - state.last_ts
        if state.n and dt > gap_limit:
            found.append(Anomaly("gap", dt, 0.0, gap_limit, "info", f"no reading for {dt:.0f}s"))
        if state.n and dt > 0 and not math.isnan(state.last_value):
            rate = abs(x - state.last_value) / dt
            if rate > spec.max_rate_per_s:
                span = spec.max_rate_per_s * dt
                found.append(
                    Anomaly(
                        "rate_of_change",
                        x,
                        state.last_value - span,
                        state.last_value + span,
                        "warning",
                        f"changed {rate:.2f}/s, plausible {spec.max_rate_per_s}/s",
                    )
                )
        state.stuck_count = state.stuck_count + 1 if x == state.last_value else 1
        if state.stuck_count == params.stuck_run:
            found.append(Anomaly("stuck", x, None, None, "warning", f"{params.stuck_run} identical readings"))
        ready = state.n >= params.warmup
        std = math.sqrt(state.var) if state.var > 0 else 0.0
        if ready and std > 0:
            z = abs(x - state.mean) / std
            if z > params.z_warning:
                low, high = state.mean - params.z_warning * std, state.mean + params.z_warning * std
                severity = "critical" if z > params.z_critical else "warning"
                found.append(Anomaly("ewma_z", x, low, high, severity, f"EWMA z-score {z:.1f}"))
        if ready and rz[i] > params.robust_z:
            span = params.robust_z * mad[i]
            found.append(Anomaly("robust_z", x, med[i] - span, med[i] + span, "warning", f"robust z {rz[i]:.1f}"))
        if state.n >= params.drift_window and std > 0:
            divergence = (state.mean - state.base_mean) / std
            if abs(divergence) > params.drift_z and not state.drifting:
                span = params.drift_z * std
                found.append(
                    Anomaly(
                        "drift",
                        x,
                        state.base_mean - span,
                        state.base_mean + span,
                        "warning",
                        f"level drifting {'up' if divergence > 0 else 'down'}: {abs(divergence):.1f} noise "
                        f"deviations from the baseline {state.base_mean:.2f}",
                    )
                )
                state.drifting = True
            elif abs(divergence) < params.drift_z / 2:
                state.drifting = False
        # Learn from the reading, clipped so one outlier cannot drag the baselines.
        if not any(f.rule == "hard_limit" for f in found):
            learn = x
            if ready and std > 0:
                learn = min(max(x, state.mean - params.z_warning * std), state.mean + params.z_warning * std)
            if state.n == 0:
                state.mean = state.base_mean = learn
            delta = learn - state.mean
            state.mean += a * delta
            state.var = (1 - a) * (state.var + a * delta * delta)
            base_delta = learn - state.base_mean
            state.base_mean += b * base_delta
            state.base_var = (1 - b) * (state.base_var + b * base_delta * base_delta)
            state.n += 1
        state.last_ts = max(state.last_ts, ts)
        state.last_value = x
        out.append(found)
    state.window = (state.window + [float(v) for v in values])[-params.window :]
    return out
