"""Pure anomaly detection over one device x metric series: rules that explain themselves (no Spark, no AWS).

Rules: hard limits from the sensor catalog, EWMA z-score, robust z (median/MAD over a window), rate of change,
stuck sensor, gaps and drift (a fast EWMA pulling away from a slow one, measured in noise units).
Every anomaly names its rule, the value, the expected range and a severity. The state is plain data so Spark
can keep it between micro-batches.

`detect_series` is vectorised with numpy: between readings that the EWMA clips (an ewma_z alarm), the baselines
follow a linear recursion with a closed form, so only those rare readings go through `_step`, the per-reading
definition of every rule. `detect_series_stepwise` runs `_step` on every reading; a test holds the two equal.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from anomaly.sensor_catalog import MetricSpec

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

    def __post_init__(self) -> None:
        for name in ("alpha", "base_alpha"):
            if not 0 < getattr(self, name) < 1:
                raise ValueError(f"Params.{name} = {getattr(self, name)}: an EWMA weight must be between 0 and 1")


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
    episode: dict[str, Any] | None = None  # the open alert episode (anomaly.episodes.Episode.to_dict())
    calm_readings: int = 0  # readings without an alert since the open episode's last alert reading

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


def admit(state: SeriesState, event_ids: list[str], timestamps: np.ndarray, params: Params) -> list[str | None]:
    """For readings in time order: None where the reading is new and within the watermark, else the quarantine
    reason. Admitted ids are remembered until they fall behind the watermark (pruned rarely: amortised O(1))."""
    horizon = state.max_ts - params.lateness_s
    reasons: list[str | None] = []
    recent = state.recent_ids
    newest = state.max_ts
    for event_id, ts in zip(event_ids, timestamps.tolist(), strict=True):
        if ts < horizon:  # in time order, only the newest reading of earlier batches can make a reading late
            reasons.append(
                f"late: {state.max_ts - ts:.0f}s behind the newest reading (watermark {params.lateness_s:.0f}s)"
            )
        elif event_id in recent:
            reasons.append("duplicate event_id")
        else:
            recent[event_id] = ts
            newest = max(newest, ts)
            reasons.append(None)
    state.max_ts = newest
    if len(recent) > state.prune_at:  # ids behind the watermark can never be admitted again
        horizon = state.max_ts - params.lateness_s
        state.recent_ids = {k: v for k, v in recent.items() if v >= horizon}
        state.prune_at = max(256, 2 * len(state.recent_ids))
    return reasons


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
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        z[first:] = np.where(mad > 0, np.abs(values[first:] - med[first:]) / mad, 0.0)
    return z, med, scale


def _explain(
    x: float,
    spec: MetricSpec,
    params: Params,
    *,
    hard: bool,
    gap_s: float | None,
    rate: float | None,
    last_value: float,
    dt: float,
    stuck: bool,
    z: float | None,
    mean: float,
    std: float,
    robust: float | None,
    median: float,
    mad: float,
    divergence: float | None,
    base_mean: float,
) -> list[Anomaly]:
    """The anomalies of one reading, in rule order, from the quantities that made each rule fire (None: quiet)."""
    found: list[Anomaly] = []
    if hard:
        found.append(Anomaly("hard_limit", x, spec.low, spec.high, "critical", f"outside {spec.low}..{spec.high}"))
    if gap_s is not None:
        limit = params.gap_factor * spec.interval_s
        found.append(Anomaly("gap", gap_s, 0.0, limit, "info", f"no reading for {gap_s:.0f}s"))
    if rate is not None:
        span = spec.max_rate_per_s * dt
        message = f"changed {rate:.2f}/s, plausible {spec.max_rate_per_s}/s"
        found.append(Anomaly("rate_of_change", x, last_value - span, last_value + span, "warning", message))
    if stuck:
        found.append(Anomaly("stuck", x, None, None, "warning", f"{params.stuck_run} identical readings"))
    if z is not None:
        low, high = mean - params.z_warning * std, mean + params.z_warning * std
        severity = "critical" if z > params.z_critical else "warning"
        found.append(Anomaly("ewma_z", x, low, high, severity, f"EWMA z-score {z:.1f}"))
    if robust is not None:
        span = params.robust_z * mad
        found.append(Anomaly("robust_z", x, median - span, median + span, "warning", f"robust z {robust:.1f}"))
    if divergence is not None:
        span = params.drift_z * std
        direction = "up" if divergence > 0 else "down"
        message = (
            f"level drifting {direction}: {abs(divergence):.1f} noise deviations from the baseline {base_mean:.2f}"
        )
        found.append(Anomaly("drift", x, base_mean - span, base_mean + span, "warning", message))
    return found


def _step(
    state: SeriesState, x: float, ts: float, rz: float, med: float, mad: float, spec: MetricSpec, params: Params
) -> list[Anomaly]:
    """One reading, every rule, by definition; updates `state`."""
    hard = x < spec.low or x > spec.high
    dt = ts - state.last_ts
    gap_s = dt if state.n and dt > params.gap_factor * spec.interval_s else None
    rate = None
    if state.n and dt > 0 and not math.isnan(state.last_value):
        rate = abs(x - state.last_value) / dt
        rate = rate if rate > spec.max_rate_per_s else None
    state.stuck_count = state.stuck_count + 1 if x == state.last_value else 1
    ready = state.n >= params.warmup
    std = math.sqrt(state.var) if state.var > 0 else 0.0
    z = abs(x - state.mean) / std if ready and std > 0 else None
    divergence = None
    if state.n >= params.drift_window and std > 0:
        level = (state.mean - state.base_mean) / std
        if abs(level) > params.drift_z and not state.drifting:
            divergence, state.drifting = level, True
        elif abs(level) < params.drift_z / 2:
            state.drifting = False
    found = _explain(
        x,
        spec,
        params,
        hard=hard,
        gap_s=gap_s,
        rate=rate,
        last_value=state.last_value,
        dt=dt,
        stuck=state.stuck_count == params.stuck_run,
        z=z if z is not None and z > params.z_warning else None,
        mean=state.mean,
        std=std,
        robust=rz if ready and rz > params.robust_z else None,
        median=med,
        mad=mad,
        divergence=divergence,
        base_mean=state.base_mean,
    )
    if not hard:  # learn from the reading, clipped so one outlier cannot drag the baselines
        learn = x
        if ready and std > 0:
            learn = min(max(x, state.mean - params.z_warning * std), state.mean + params.z_warning * std)
        if state.n == 0:
            state.mean = state.base_mean = learn
        a, b = params.alpha, params.base_alpha
        delta = learn - state.mean
        state.mean += a * delta
        state.var = (1 - a) * (state.var + a * delta * delta)
        base_delta = learn - state.base_mean
        state.base_mean += b * base_delta
        state.base_var = (1 - b) * (state.base_var + b * base_delta * base_delta)
        state.n += 1
    state.last_ts = max(state.last_ts, ts)
    state.last_value = x
    return found


def detect_series_stepwise(
    state: SeriesState, timestamps: np.ndarray, values: np.ndarray, spec: MetricSpec, params: Params
) -> list[list[Anomaly]]:
    """The reference: `_step` on every reading. Same result as `detect_series`, many times slower."""
    rz, med, mad = robust_scores(state.window, values, params)
    out = [
        _step(state, float(values[i]), float(timestamps[i]), rz[i], med[i], mad[i], spec, params)
        for i in range(len(values))
    ]
    state.window = (state.window + [float(v) for v in values])[-params.window :]
    return out


def _max_block(params: Params) -> int:
    """Longest block whose closed form stays well inside float range: keep**-block <= e**300 for both EWMAs
    (256 at the default weights, where 0.95**-256 is about 5e5)."""
    keep = 1 - max(params.alpha, params.base_alpha)
    return max(1, min(256, int(300 / -math.log(keep))))


def _linear(start: float, inputs: np.ndarray, keep: float) -> np.ndarray:
    """y[k] = keep * y[k-1] + inputs[k], y[-1] = start, for every k (closed form over a short block)."""
    decay = keep ** np.arange(1, len(inputs) + 1)
    return decay * (start + np.cumsum(inputs / decay))


def _ewma(mean: float, var: float, values: np.ndarray, weight: float) -> tuple[np.ndarray, np.ndarray]:
    """EWMA mean and variance after each value, as `_step` learns them unclipped. The mean is taken as an offset
    from its start: a steady series stays exactly steady (its variance exactly 0)."""
    means = mean + _linear(0.0, weight * (values - mean), 1 - weight)
    deltas = values - np.concatenate([[mean], means[:-1]])
    return means, _linear(var, (1 - weight) * weight * deltas**2, 1 - weight)


def detect_series(
    state: SeriesState, timestamps: np.ndarray, values: np.ndarray, spec: MetricSpec, params: Params
) -> list[list[Anomaly]]:
    """Anomalies for each reading (in time order), updating `state` in place."""
    x = np.asarray(values, dtype=float)
    t = np.asarray(timestamps, dtype=float)
    count = len(x)
    out: list[list[Anomaly]] = [[] for _ in range(count)]
    if not count:
        return out
    rz, med, mad = robust_scores(state.window, x, params)
    # Rules that depend on the readings alone, for the whole batch.
    hard = (x < spec.low) | (x > spec.high)
    learner = ~hard
    n_before = state.n + np.concatenate([[0], np.cumsum(learner)[:-1]])
    last_ts = np.maximum.accumulate(np.concatenate([[state.last_ts], t]))
    dt = t - last_ts[:-1]
    last_value = np.concatenate([[state.last_value], x[:-1]])
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        rate = np.abs(x - last_value) / dt
    seen = n_before > 0
    gap = seen & (dt > params.gap_factor * spec.interval_s)
    fast = seen & (dt > 0) & ~np.isnan(last_value) & (rate > spec.max_rate_per_s)
    index = np.arange(count)
    resets = np.maximum.accumulate(np.where(x == last_value, -1, index))
    stuck_count = np.where(resets >= 0, index - resets + 1, state.stuck_count + index + 1)
    ready = n_before >= params.warmup
    robust = ready & (rz > params.robust_z)
    max_block = _max_block(params)
    pos, size = 0, min(8, max_block)
    while pos < count:
        if state.n == 0:  # the first learned reading seeds the baselines
            out[pos] = _step(state, float(x[pos]), float(t[pos]), rz[pos], med[pos], mad[pos], spec, params)
            pos += 1
            continue
        end = min(count, pos + size)
        learns = learner[pos:end]
        xl = x[pos:end][learns]
        # Speculative baselines, exact until the first reading the EWMA would clip.
        mean, var = _ewma(state.mean, state.var, xl, params.alpha)
        base, base_var = _ewma(state.base_mean, state.base_var, xl, params.base_alpha)
        before = np.concatenate([[0], np.cumsum(learns)[:-1]])  # learned readings in the block before each one
        mean_p = np.concatenate([[state.mean], mean])[before]
        var_p = np.concatenate([[state.var], var])[before]
        base_p = np.concatenate([[state.base_mean], base])[before]
        std_p = np.sqrt(np.where(var_p > 0, var_p, 0.0))
        xs = x[pos:end]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            z = np.where(std_p > 0, np.abs(xs - mean_p) / std_p, 0.0)
            level = np.where(std_p > 0, (mean_p - base_p) / std_p, 0.0)
        zhit = ready[pos:end] & (std_p > 0) & (z > params.z_warning)
        clipped = np.flatnonzero(zhit & learns)
        stop = int(clipped[0]) if len(clipped) else end - pos
        # Drift hysteresis over the exact prefix: an alarm where the level crosses drift_z while not drifting.
        watch = (n_before[pos : pos + stop] >= params.drift_window) & (std_p[:stop] > 0)
        marks = np.where(watch & (np.abs(level[:stop]) > params.drift_z), 1, 0)
        marks = np.where(watch & (np.abs(level[:stop]) < params.drift_z / 2), -1, marks)
        last_mark = np.maximum.accumulate(np.where(marks != 0, np.arange(stop), -1)) if stop else np.array([], int)
        prior = np.concatenate([[-1], last_mark[:-1]]) if stop else last_mark
        drifting_before = np.where(prior >= 0, marks[np.maximum(prior, 0)] == 1, state.drifting)
        drift = (marks == 1) & ~drifting_before
        flagged = hard[pos : pos + stop] | gap[pos : pos + stop] | fast[pos : pos + stop] | zhit[:stop]
        flagged |= (stuck_count[pos : pos + stop] == params.stuck_run) | robust[pos : pos + stop] | drift
        for k in np.flatnonzero(flagged).tolist():
            i = pos + k
            out[i] = _explain(
                float(x[i]),
                spec,
                params,
                hard=bool(hard[i]),
                gap_s=float(dt[i]) if gap[i] else None,
                rate=float(rate[i]) if fast[i] else None,
                last_value=float(last_value[i]),
                dt=float(dt[i]),
                stuck=bool(stuck_count[i] == params.stuck_run),
                z=float(z[k]) if zhit[k] else None,
                mean=float(mean_p[k]),
                std=float(std_p[k]),
                robust=float(rz[i]) if robust[i] else None,
                median=float(med[i]),
                mad=float(mad[i]),
                divergence=float(level[k]) if drift[k] else None,
                base_mean=float(base_p[k]),
            )
        if stop:  # the state after the exact prefix
            learned = int(learns[:stop].sum())
            if learned:
                state.mean, state.var = float(mean[learned - 1]), float(var[learned - 1])
                state.base_mean, state.base_var = float(base[learned - 1]), float(base_var[learned - 1])
                state.n += learned
            state.last_ts = float(last_ts[pos + stop])
            state.last_value = float(x[pos + stop - 1])
            state.stuck_count = int(stuck_count[pos + stop - 1])
            if last_mark[-1] >= 0:
                state.drifting = bool(marks[last_mark[-1]] == 1)
        pos += stop
        if pos < end:  # a clipped reading: by definition, then small blocks until the series is calm again
            out[pos] = _step(state, float(x[pos]), float(t[pos]), rz[pos], med[pos], mad[pos], spec, params)
            pos, size = pos + 1, min(8, max_block)
        else:
            size = min(max_block, size * 2)
    state.window = (state.window + x[-params.window :].tolist())[-params.window :]
    return out
