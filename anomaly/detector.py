"""Pure anomaly detection over one device x metric series: rules that explain themselves (no Spark, no AWS).

Rules: hard limits and rate of change from the sensor catalog; the level rule (EWMA z-score); drift (a fast EWMA
pulling away from a slow one); the time-of-day rule (seasonal); a stuck sensor; gaps. Every anomaly names its
rule, the value, the expected range and a severity. The state is plain data so Spark can keep it between
micro-batches.

What each series learns from its own data, so that the catalog is a prior and not a law:
- its reporting interval: the median of its last `cadence_window` inter-arrival times (the catalog's interval
  counts as `cadence_prior` of them until the series has shown that many), against which gaps are judged;
- its daily cycle: a profile of the typical level per hour of the day (weekdays and weekends apart), learned once
  per visit of each hour, with its typical scatter. A reading the profile expects (a shift starting, the
  afternoon warmth) is not a level or drift anomaly however far it is from the last hour's level; a level the
  profile does not expect at this time of day (a machine that did not start) is a `seasonal` anomaly;
- how spiky it is: a level alarm in a series that crossed its threshold more than `busy_exceedances` times
  recently (decaying with half-life `memory_s`) must also exceed the largest recent deviation by
  `novelty_margin`, so a series whose spikes are its normal behaviour pages only for a spike beyond them;
- whether it repeats itself: a run of identical readings is `stuck` only in a series that normally changes.

`detect_vectorised` runs the rules with numpy: between readings that the level EWMA clips, the baselines follow a
linear recursion with a closed form, so only those rare readings go through `_judge`, the per-reading definition
of the level rules. `detect_series_stepwise` runs the definition (`_step`) on every reading; tests hold the two
equal. `detect_series` picks the definition for a handful of readings (cheaper than numpy's call overhead there)
and the vectorised path otherwise.
"""

from __future__ import annotations

import math
import operator
from dataclasses import asdict, dataclass, field, fields
from typing import Any, NamedTuple

import numpy as np

from anomaly.sensor_catalog import MetricSpec

RULES = ("hard_limit", "ewma_z", "rate_of_change", "stuck", "gap", "drift", "seasonal")
DAY_S = 86_400.0
MEAN_ABS_TO_STD = math.sqrt(math.pi / 2)  # mean absolute deviation of a normal distribution -> standard deviation
LN_HALF = math.log(0.5)
OBSOLETE_STATE = frozenset({"window"})


@dataclass(frozen=True)
class Params:
    alpha: float = 0.05  # EWMA weight of the newest reading (time constant ~20 readings)
    warmup: int = 30  # readings before statistical rules speak
    z_warning: float = 5.0  # level rule, in the larger of the fast and the slow noise deviation
    z_critical: float = 9.0
    busy_exceedances: float = 2.0  # a series with more recent threshold crossings than this is "busy" ...
    novelty_margin: float = 2.0  # ... and its level alarms must exceed margin x its largest recent deviation
    memory_s: float = DAY_S  # half-life of that recent count and largest deviation
    stuck_run: int = 30  # identical readings in a row ...
    stuck_repeat_share: float = 0.2  # ... in a series that repeated its last value less often than this
    gap_factor: float = 6.0  # silence longer than this many learned reporting intervals
    cadence_window: int = 32  # inter-arrival times the reporting interval is the median of
    cadence_prior: int = 4  # the catalog's interval counts as this many of them until the series has shown more
    base_alpha: float = 1 / 150  # slow baseline for drift (time constant 150 readings, 25 min at 10 s)
    drift_z: float = 12.0  # fast-vs-slow divergence, in reading-noise standard deviations
    drift_window: int = 150  # readings before the drift rule speaks (the slow baseline has settled)
    season_bins: int = 24  # profile bins per day (hours)
    season_weekend: bool = True  # Saturdays and Sundays (UTC) have a profile of their own
    season_weight: float = 0.25  # weight of the newest visit of a bin in its profile
    season_visits: int = 3  # visits of a bin before it speaks (3 days; 3 weekends for weekend bins)
    season_persist: int = 2  # the time-of-day rule needs this many readings in a row off (a spike is not a level)
    season_z: float = 5.0  # ... each this far from its bin's profile, in the bin's scatter
    explain_z: float = 4.0  # a reading within this many of its bin's scatter is expected at this time of day
    lateness_s: float = 600.0  # watermark: older than newest - lateness is late

    def __post_init__(self) -> None:
        for name in ("alpha", "base_alpha", "season_weight"):
            if not 0 < getattr(self, name) < 1:
                raise ValueError(f"Params.{name} = {getattr(self, name)}: an EWMA weight must be between 0 and 1")
        for name in ("warmup", "stuck_run", "cadence_window", "season_bins", "season_visits", "season_persist"):
            if getattr(self, name) < 1:
                raise ValueError(f"Params.{name} = {getattr(self, name)}: must be 1 or more")
        if not 0 <= self.cadence_prior <= self.cadence_window:
            raise ValueError(
                f"Params.cadence_prior = {self.cadence_prior}: between 0 and cadence_window ({self.cadence_window})"
            )
        if self.memory_s <= 0:
            raise ValueError(f"Params.memory_s = {self.memory_s}: a half-life must be positive")


@dataclass
class SeriesState:
    n: int = 0  # learned readings (hard-limit breaches are not learned)
    mean: float = 0.0
    var: float = 0.0
    base_mean: float = 0.0
    base_var: float = 0.0
    noise: float = 0.0  # slow EWMA of half the squared step between learned readings: the reading noise,
    last_learned: float = math.nan  # which a ramp or a level shift hardly inflates (drift's unit)
    drifting: bool = False
    last_ts: float = -math.inf  # newest reading time
    last_value: float = math.nan
    stuck_count: int = 0
    max_ts: float = -math.inf
    season_scores: list[float] = field(default_factory=list)  # time-of-day scores of the last season_persist - 1
    recent_ids: dict[str, float] = field(default_factory=dict)
    prune_at: int = 256
    intervals: list[float] = field(default_factory=list)  # last inter-arrival times (the cadence estimate)
    repeats: float = 0.0  # slow EWMA of "the reading repeated the last value"
    run_repeats: float = 1.0  # `repeats` when the current run of identical readings began
    run_start: int = 0  # learned readings when it began
    exceed: float = 0.0  # decayed count of level-threshold crossings, as of last_ts
    exceeding: bool = False  # the last reading was over the level threshold
    peak: float = 0.0  # decayed largest deviation from the level, as of last_ts
    season_exceed: float = 0.0  # the same three for the time-of-day rule (its score, not a deviation)
    season_exceeding: bool = False
    season_peak: float = 0.0
    profile: list[float] = field(default_factory=list)  # typical level per time-of-day bin
    scatter: list[float] = field(default_factory=list)  # its typical absolute deviation per bin
    visits: list[int] = field(default_factory=list)  # visits learned per bin
    slot: int = -1  # the time-of-day bin being visited (absolute: epoch // bin width)
    visit: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])  # its sum, deviation sum, readings
    season_out: bool = False  # the time-of-day rule has reported the current excursion
    episode: dict[str, Any] | None = None  # the open alert episode (anomaly.episodes.Episode.to_dict())
    calm_readings: int = 0  # readings without an alert since the open episode's last alert reading

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SeriesState:
        """From `to_dict()` output, also of an earlier release: `window` (the robust-z readings, a rule since
        removed) is dropped, fields added since take their defaults."""
        return cls(**{k: v for k, v in data.items() if k not in OBSOLETE_STATE})

    def to_tuple(self) -> tuple:
        """The field values in `STATE_FIELDS` order, not copied (the lists and dicts are the live state's): the
        compact form the Spark layer pickles at once (`to_dict` deep-copies every container, which cost 15% of
        the job's Python time, measured)."""
        return _field_values(self)

    @classmethod
    def from_tuple(cls, values: tuple, names: tuple[str, ...]) -> SeriesState:
        """From `to_tuple()` output stored with the field names it was made with (`STATE_FIELDS` of the release
        that stored it): by position while they are this release's, else by name as `from_dict`."""
        if names == STATE_FIELDS:
            return cls(*values)
        return cls.from_dict(dict(zip(names, values, strict=True)))


STATE_FIELDS = tuple(f.name for f in fields(SeriesState))
_field_values = operator.attrgetter(*STATE_FIELDS)


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
    reason. Admitted ids are remembered until they fall behind the watermark (pruned rarely: amortised O(1)).
    The common case with set operations (none late, no id seen before or twice in the batch); otherwise the
    definition, `admit_stepwise`: the same result either way (the same comparisons, `max` in the same order)."""
    times = timestamps.tolist()
    if len(event_ids) != len(times):
        raise ValueError(f"admit: {len(event_ids)} event ids for {len(times)} timestamps")
    recent = state.recent_ids
    fresh = times and min(times) >= state.max_ts - params.lateness_s
    if not fresh or not recent.keys().isdisjoint(event_ids) or len(set(event_ids)) != len(times):
        return admit_stepwise(state, event_ids, timestamps, params)
    recent.update(zip(event_ids, times, strict=True))
    state.max_ts = max(state.max_ts, *times)
    _prune(state, params)
    return [None] * len(times)


def admit_stepwise(
    state: SeriesState, event_ids: list[str], timestamps: np.ndarray, params: Params
) -> list[str | None]:
    """The definition of `admit`, reading by reading."""
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
    _prune(state, params)
    return reasons


def _prune(state: SeriesState, params: Params) -> None:
    if len(state.recent_ids) > state.prune_at:  # ids behind the watermark can never be admitted again
        horizon = state.max_ts - params.lateness_s
        state.recent_ids = {k: v for k, v in state.recent_ids.items() if v >= horizon}
        state.prune_at = max(256, 2 * len(state.recent_ids))


def _last(values: list[float], count: int) -> list[float]:
    return values[max(0, len(values) - count) :]


def reporting_interval(intervals: list[float], prior: float, params: Params) -> float:
    """The series' reporting interval: the median of its last inter-arrival times, with the catalog's interval
    as `cadence_prior` of them while the series has shown fewer (a prior that fades)."""
    recent = _last(intervals, params.cadence_window)
    return median([prior] * max(0, params.cadence_prior - len(recent)) + recent)


def median(values: list[float]) -> float:
    """`float(np.median(values))` for a short list, exactly (the middle value, or the mean of the two middle
    ones as numpy computes it: (a + b) / 2), without numpy's call overhead: the definition asks for it once per
    reading (half the per-reading cost of a small batch went to np.median, measured)."""
    count = len(values)
    if not count or any(map(math.isnan, values)):
        return math.nan
    ordered = sorted(values)
    middle = count // 2
    return ordered[middle] if count % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _bin(slot: int, params: Params) -> int:
    """Profile bin of an absolute time-of-day slot: the hour of the day, weekend hours apart (1970-01-01 was a
    Thursday)."""
    day = slot // params.season_bins
    weekend = params.season_weekend and (day + 3) % 7 >= 5
    return slot % params.season_bins + (params.season_bins if weekend else 0)


def _profile_size(params: Params) -> int:
    return params.season_bins * (2 if params.season_weekend else 1)


def _explainer(state: SeriesState, b: int, params: Params) -> tuple[float, float] | None:
    """The profile level and scatter that may explain a reading in bin b: its own once it speaks, else (a weekend
    bin still learning) the same hour of weekdays. Only for explaining: a weekend is never judged by weekdays."""
    for candidate in (b, b % params.season_bins):
        sigma = MEAN_ABS_TO_STD * state.scatter[candidate]
        if state.visits[candidate] >= params.season_visits and sigma > 0:
            return state.profile[candidate], sigma
    return None


def _fold_visit(state: SeriesState, params: Params) -> None:
    """Learn the finished visit of a bin: the profile moves towards its mean level, the scatter towards its mean
    absolute deviation from the profile (a running mean over the first visits, an EWMA after)."""
    total, deviation, count = state.visit
    if count:
        b = _bin(state.slot, params)
        seen = state.visits[b]
        if seen == 0:
            state.profile[b] = total / count
        else:
            state.profile[b] += max(params.season_weight, 1 / (seen + 1)) * (total / count - state.profile[b])
            state.scatter[b] += max(params.season_weight, 1 / seen) * (deviation / count - state.scatter[b])
        state.visits[b] = seen + 1
    state.visit = [0.0, 0.0, 0.0]


def _enter_slot(state: SeriesState, ts: float, params: Params) -> int:
    """Move the visit forward to the reading's slot (a late reading stays in the current visit); its bin."""
    if not state.profile:
        size = _profile_size(params)
        state.profile, state.scatter, state.visits = [0.0] * size, [0.0] * size, [0] * size
    slot = max(int(ts // (DAY_S / params.season_bins)), state.slot)
    if slot != state.slot:
        _fold_visit(state, params)
        state.slot = slot
    return _bin(slot, params)


class Reading(NamedTuple):
    """What one reading shows before the level baselines judge it: physics, cadence, repetition, time of day."""

    hard: bool  # outside the catalog's limits (never learned)
    dt: float  # seconds since the newest earlier reading
    elapsed: float  # seconds it moves the newest time forward (what the recent peak and count decay by)
    seen: bool  # the series had a reading before
    interval: float  # the learned reporting interval before it
    gap: bool
    rate: float | None  # its rate of change where implausible
    last_value: float
    stuck: bool
    expected: float  # the profile's level for its time of day
    sigma: float  # the profile's scatter there (as a standard deviation)
    explained: bool  # the profile expects this reading at this time of day
    seasonal: float | None  # its time-of-day score where that rule reports


def _explain(
    x: float,
    spec: MetricSpec,
    params: Params,
    r: Reading,
    *,
    z: float | None,
    mean: float,
    scale: float,
    divergence: float | None,
    base_mean: float,
    std: float,
) -> list[Anomaly]:
    """The anomalies of one reading, in rule order, from the quantities that made each rule fire (None: quiet)."""
    found: list[Anomaly] = []
    if r.hard:
        found.append(Anomaly("hard_limit", x, spec.low, spec.high, "critical", f"outside {spec.low}..{spec.high}"))
    if r.gap:
        limit = params.gap_factor * r.interval
        message = f"no reading for {r.dt:.0f}s (reports every {r.interval:.0f}s)"
        found.append(Anomaly("gap", r.dt, 0.0, limit, "info", message))
    if r.rate is not None:
        span = spec.max_rate_per_s * r.dt
        message = f"changed {r.rate:.2f}/s, plausible {spec.max_rate_per_s}/s"
        found.append(Anomaly("rate_of_change", x, r.last_value - span, r.last_value + span, "warning", message))
    if r.stuck:
        found.append(Anomaly("stuck", x, None, None, "warning", f"{params.stuck_run} identical readings"))
    if z is not None:
        low, high = mean - params.z_warning * scale, mean + params.z_warning * scale
        severity = "critical" if z > params.z_critical else "warning"
        found.append(Anomaly("ewma_z", x, low, high, severity, f"EWMA z-score {z:.1f}"))
    if divergence is not None:
        span = params.drift_z * std
        direction = "up" if divergence > 0 else "down"
        message = (
            f"level drifting {direction}: {abs(divergence):.1f} noise deviations from the baseline {base_mean:.2f}"
        )
        found.append(Anomaly("drift", x, base_mean - span, base_mean + span, "warning", message))
    if r.seasonal is not None:
        span = params.season_z * r.sigma
        message = (
            f"unusual for the time of day: {params.season_persist} readings in a row at least {r.seasonal:.1f} "
            f"scatters from the expected {r.expected:.2f}"
        )
        found.append(Anomaly("seasonal", x, r.expected - span, r.expected + span, "warning", message))
    return found


def _gate(
    gate: tuple[float, bool, float], keep: float, over: bool, deviation: float, learns: bool, params: Params
) -> tuple[bool, tuple[float, bool, float]]:
    """The busy-series gate of a statistical rule, for one reading: whether its exceedance alarms, and the gate's
    next (decayed crossing count, over the threshold, decayed peak deviation)."""
    count, exceeding, peak = gate
    count, peak = count * keep, peak * keep
    alarm = over and (count <= params.busy_exceedances or deviation > params.novelty_margin * peak)
    count += 1.0 if over and not exceeding else 0.0
    return alarm, (count, over, max(peak, deviation) if learns else peak)


def _observe(state: SeriesState, x: float, ts: float, spec: MetricSpec, params: Params) -> Reading:
    """The reading's context by definition: cadence, physics, repetition and time of day; updates those parts of
    `state` (the level baselines are `_judge`'s)."""
    hard = x < spec.low or x > spec.high
    seen = state.last_ts > -math.inf
    dt = ts - state.last_ts
    last_value = state.last_value
    interval = reporting_interval(state.intervals, spec.interval_s, params)
    rate = None
    if state.n and dt > 0 and not math.isnan(last_value):
        rate = abs(x - last_value) / dt
        rate = rate if rate > spec.max_rate_per_s else None
    # stuck: a run of identical readings, in a series that normally changes, begun after the warm-up
    repeat = x == last_value
    if repeat:
        state.stuck_count += 1
    else:
        state.stuck_count, state.run_repeats, state.run_start = 1, state.repeats, state.n
    stuck = (
        state.stuck_count == params.stuck_run
        and state.run_start >= params.warmup
        and state.run_repeats < params.stuck_repeat_share
    )
    state.repeats += params.base_alpha * ((1.0 if repeat else 0.0) - state.repeats)
    # time of day: the last readings against the profile of their bins
    b = _enter_slot(state, ts, params)
    expected = state.profile[b]
    sigma = MEAN_ABS_TO_STD * state.scatter[b]
    speaks = state.visits[b] >= params.season_visits and sigma > 0
    own = abs(x - expected) / sigma if speaks else 0.0
    explainer = _explainer(state, b, params)
    score = min([*_last(state.season_scores, params.season_persist - 1), own])
    keep = _decay(max(ts, state.last_ts) - state.last_ts, params) if seen else 1.0
    over = speaks and score > params.season_z
    gate = (state.season_exceed, state.season_exceeding, state.season_peak)
    alarm, (state.season_exceed, state.season_exceeding, state.season_peak) = _gate(
        gate, keep, over, score, speaks and not hard, params
    )
    seasonal = None
    if over:
        seasonal = None if state.season_out or not alarm else score
        state.season_out = True
    elif not speaks or score < params.season_z / 2:
        state.season_out = False
    if not hard:  # the visit learns the reading, clipped to the profile's alarm band once it speaks
        learn = min(max(x, expected - params.season_z * sigma), expected + params.season_z * sigma)
        learn = learn if speaks else x
        total, deviation, count = state.visit
        state.visit = [total + learn, deviation + (abs(learn - expected) if state.visits[b] else 0.0), count + 1.0]
    if seen and dt > 0:
        state.intervals = _last([*state.intervals, dt], params.cadence_window)
    elapsed = max(ts, state.last_ts) - state.last_ts if seen else 0.0
    state.last_ts = max(state.last_ts, ts)
    state.last_value = x
    state.season_scores = _last([*state.season_scores, own], params.season_persist - 1)
    return Reading(
        hard=hard,
        dt=dt,
        elapsed=elapsed,
        seen=seen,
        interval=interval,
        gap=bool(state.n) and dt > params.gap_factor * interval,
        rate=rate,
        last_value=last_value,
        stuck=stuck,
        expected=expected,
        sigma=sigma,
        explained=explainer is not None and abs(x - explainer[0]) <= params.explain_z * explainer[1],
        seasonal=seasonal,
    )


def _decay(elapsed: float, params: Params) -> float:
    """What the recent peaks and exceedance counts keep after `elapsed` seconds."""
    return math.exp(LN_HALF / params.memory_s * elapsed)


def _judge(state: SeriesState, x: float, r: Reading, spec: MetricSpec, params: Params) -> list[Anomaly]:
    """The level, drift and busy-series rules for one reading by definition, then every anomaly it shows; learns
    the level baselines from it."""
    ready = state.n >= params.warmup
    std = math.sqrt(state.noise) if state.noise > 0 else 0.0
    scale = math.sqrt(max(state.var, state.base_var, 0.0))
    keep = _decay(r.elapsed, params) if r.seen else 1.0
    deviation = abs(x - state.mean)
    z = deviation / scale if ready and scale > 0 else 0.0
    over = ready and scale > 0 and z > params.z_warning and not r.explained
    gate = (state.exceed, state.exceeding, state.peak)
    alarm, (state.exceed, state.exceeding, state.peak) = _gate(
        gate, keep, over, deviation, ready and not r.hard, params
    )
    divergence = None
    if state.n >= params.drift_window and std > 0:
        level = (state.mean - state.base_mean) / std
        if abs(level) > params.drift_z and not state.drifting:
            divergence, state.drifting = (None if r.explained else level), True
        elif abs(level) < params.drift_z / 2:
            state.drifting = False
    found = _explain(
        x,
        spec,
        params,
        r,
        z=z if alarm else None,
        mean=state.mean,
        scale=scale,
        divergence=divergence,
        base_mean=state.base_mean,
        std=std,
    )
    if not r.hard:  # learn from the reading, clipped so one outlier cannot drag the baselines
        learn = x
        if ready and scale > 0:
            learn = min(max(x, state.mean - params.z_warning * scale), state.mean + params.z_warning * scale)
        if state.n == 0:
            state.mean = state.base_mean = learn
        a, w = params.alpha, params.base_alpha
        delta = learn - state.mean
        state.mean += a * delta
        state.var = (1 - a) * (state.var + a * delta * delta)
        base_delta = learn - state.base_mean
        state.base_mean += w * base_delta
        state.base_var = (1 - w) * (state.base_var + w * base_delta * base_delta)
        step = learn - state.last_learned if state.n else 0.0
        state.noise = (1 - w) * state.noise + w * 0.5 * step * step
        state.last_learned = learn
        state.n += 1
    return found


def _step(state: SeriesState, x: float, ts: float, spec: MetricSpec, params: Params) -> list[Anomaly]:
    """One reading, every rule, by definition; updates `state`."""
    return _judge(state, x, _observe(state, x, ts, spec, params), spec, params)


def detect_series_stepwise(
    state: SeriesState, timestamps: np.ndarray, values: np.ndarray, spec: MetricSpec, params: Params
) -> list[list[Anomaly]]:
    """The reference: `_step` on every reading. Same result as `detect_series`, many times slower."""
    return [
        _step(state, v, t, spec, params)
        for t, v in zip(np.asarray(timestamps, float).tolist(), np.asarray(values, float).tolist(), strict=True)
    ]


# The vectorised path: the same rules over a whole batch with numpy.


def _max_block(params: Params) -> int:
    """Longest block whose closed form stays well inside float range: keep**-block <= e**300 for both EWMAs
    (256 at the default weights, where 0.95**-256 is about 5e5)."""
    keep = 1 - max(params.alpha, params.base_alpha)
    return max(1, min(256, int(300 / -math.log(keep))))


def _linear(start: float, inputs: np.ndarray, keep: float) -> np.ndarray:
    """y[k] = keep * y[k-1] + inputs[k], y[-1] = start, for every k (closed form over a short block)."""
    decay = keep ** np.arange(1, len(inputs) + 1)
    return decay * (start + np.cumsum(inputs / decay))


def _linear_long(start: float, inputs: np.ndarray, keep: float) -> np.ndarray:
    """`_linear` over any length, in blocks short enough for its closed form."""
    size = max(1, int(300 / -math.log(keep)))
    out = np.empty(len(inputs))
    for begin in range(0, len(inputs), size):
        out[begin : begin + size] = _linear(start, inputs[begin : begin + size], keep)
        start = float(out[min(begin + size, len(inputs)) - 1])
    return out


def _ewma(mean: float, var: float, values: np.ndarray, weight: float) -> tuple[np.ndarray, np.ndarray]:
    """EWMA mean and variance after each value, as `_judge` learns them unclipped. The mean is taken as an offset
    from its start: a steady series stays exactly steady (its variance exactly 0)."""
    means = mean + _linear(0.0, weight * (values - mean), 1 - weight)
    deltas = values - np.concatenate([[mean], means[:-1]])
    return means, _linear(var, (1 - weight) * weight * deltas**2, 1 - weight)


def _hysteresis(fire: np.ndarray, rearm: np.ndarray, before: bool) -> tuple[np.ndarray, bool]:
    """For a rule that reports an excursion once: where it reports (fires while not already out), and whether it
    is out after the last reading. `fire` wins over `rearm` on the same reading."""
    if not fire.any():  # the common case: nothing fires, only the re-arming can change the state
        return fire, False if rearm.any() else before
    marks = np.where(fire, 1, np.where(rearm, -1, 0))
    count = len(marks)
    last = np.maximum.accumulate(np.where(marks != 0, np.arange(count), -1))
    prior = np.concatenate([[-1], last[:-1]])
    out_before = np.where(prior >= 0, marks[np.maximum(prior, 0)] == 1, before)
    after = bool(marks[last[-1]] == 1) if last[-1] >= 0 else before
    return fire & ~out_before, after


def _observe_batch(state: SeriesState, t: np.ndarray, x: np.ndarray, spec: MetricSpec, params: Params) -> dict:
    """`_observe` for a whole batch at once: the context arrays of every reading; updates the same parts of
    `state`. The level baselines (and so `n`) are left to the caller, which passes the learned count before
    each reading."""
    count = len(x)
    hard = (x < spec.low) | (x > spec.high)
    learner = ~hard
    n_before = state.n + np.concatenate([[0], np.cumsum(learner)[:-1]])
    last_ts = np.maximum.accumulate(np.concatenate([[state.last_ts], t]))
    seen = np.concatenate([[state.last_ts > -math.inf], np.ones(count - 1, dtype=bool)])
    dt = t - last_ts[:-1]
    elapsed = np.where(seen, last_ts[1:] - np.where(seen, last_ts[:-1], 0.0), 0.0)
    last_value = np.concatenate([[state.last_value], x[:-1]])
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        rate = np.abs(x - last_value) / dt
    fast = (n_before > 0) & (dt > 0) & ~np.isnan(last_value) & (rate > spec.max_rate_per_s)
    # cadence: the median of the window of inter-arrival times before each reading
    width = params.cadence_window
    arrived = seen & (dt > 0)
    known = _last(state.intervals, width)
    full = np.concatenate([known, dt[arrived]])
    short = max(0, min(len(full) + 1, width) - len(known))  # windows not yet full: by definition
    medians = np.empty(len(full) - len(known) + 1)
    for j in range(short):
        medians[j] = reporting_interval(full[: len(known) + j].tolist(), spec.interval_s, params)
    if short < len(medians):
        first = len(known) + short - width
        if np.all(full[first:] == full[-1]):  # a regular cadence: every window is flat
            medians[short:] = full[-1]
        else:
            medians[short:] = np.median(np.lib.stride_tricks.sliding_window_view(full, width)[first:], axis=1)
    interval = medians[np.concatenate([[0], np.cumsum(arrived)[:-1]])]
    state.intervals = _last([*state.intervals, *dt[arrived].tolist()], width)
    gap = (n_before > 0) & (dt > params.gap_factor * interval)
    # stuck: runs of identical readings, the repeat share and learned count where each run began
    repeat = x == last_value
    index = np.arange(count)
    begins = np.maximum.accumulate(np.where(repeat, -1, index))
    run_length = np.where(begins >= 0, index - begins + 1, state.stuck_count + index + 1)
    share = _linear_long(state.repeats, params.base_alpha * repeat, 1 - params.base_alpha)
    share_before = np.concatenate([[state.repeats], share[:-1]])
    at = np.maximum(begins, 0)
    run_repeats = np.where(begins >= 0, share_before[at], state.run_repeats)
    run_start = np.where(begins >= 0, n_before[at], state.run_start)
    stuck = (run_length == params.stuck_run) & (run_start >= params.warmup) & (run_repeats < params.stuck_repeat_share)
    state.stuck_count, state.repeats = int(run_length[-1]), float(share[-1])
    state.run_repeats, state.run_start = float(run_repeats[-1]), int(run_start[-1])
    log_keep = np.where(seen, LN_HALF / params.memory_s * elapsed, 0.0)
    season = _season_batch(state, t, x, learner, log_keep, params)
    state.last_ts, state.last_value = float(last_ts[-1]), float(x[-1])
    return {
        "hard": hard,
        "learner": learner,
        "n_before": n_before,
        "dt": dt,
        "elapsed": elapsed,
        "seen": seen,
        "interval": interval,
        "gap": gap,
        "rate": rate,
        "fast": fast,
        "last_value": last_value,
        "stuck": stuck,
        "log_keep": log_keep,
        **season,
    }


def _season_batch(
    state: SeriesState, t: np.ndarray, x: np.ndarray, learner: np.ndarray, log_keep: np.ndarray, params: Params
) -> dict:
    """The time-of-day part of `_observe` for a batch: visit by visit (the profile is fixed within one)."""
    count = len(x)
    expected, sigma = np.zeros(count), np.zeros(count)
    speaks = np.zeros(count, dtype=bool)
    explain_level, explain_sigma = np.zeros(count), np.full(count, -1.0)  # -1: nothing explains
    if not state.profile:
        size = _profile_size(params)
        state.profile, state.scatter, state.visits = [0.0] * size, [0.0] * size, [0] * size
    slots = np.maximum.accumulate(np.maximum((t // (DAY_S / params.season_bins)).astype(np.int64), state.slot))
    starts = np.flatnonzero(np.concatenate([[True], slots[1:] != slots[:-1]]))
    for begin, end in zip(starts.tolist(), [*starts[1:].tolist(), count], strict=True):
        slot = int(slots[begin])
        if slot != state.slot:
            _fold_visit(state, params)
            state.slot = slot
        b = _bin(slot, params)
        level, spread = state.profile[b], MEAN_ABS_TO_STD * state.scatter[b]
        speak = state.visits[b] >= params.season_visits and spread > 0
        expected[begin:end], sigma[begin:end], speaks[begin:end] = level, spread, speak
        explainer = _explainer(state, b, params)
        if explainer is not None:
            explain_level[begin:end], explain_sigma[begin:end] = explainer
        learn = x[begin:end][learner[begin:end]]
        if speak:
            learn = np.minimum(np.maximum(learn, level - params.season_z * spread), level + params.season_z * spread)
        if len(learn):  # summed left to right, as `_observe` adds them one by one
            total, deviation, readings = state.visit
            deviations = np.abs(learn - level).tolist() if state.visits[b] else [0.0] * len(learn)
            state.visit = [sum(learn.tolist(), total), sum(deviations, deviation), readings + len(learn)]
    with np.errstate(divide="ignore", invalid="ignore"):
        own = np.where(speaks, np.abs(x - expected) / np.where(speaks, sigma, 1.0), 0.0)
    k = params.season_persist
    older = _last(state.season_scores, k - 1)
    history = np.concatenate([older, own])
    score = np.empty(count)
    short = min(count, k - 1 - len(older))  # the first readings of a series have fewer before them
    for i in range(short):
        score[i] = float(history[: len(older) + i + 1].min())
    if short < count:
        rows = np.lib.stride_tricks.sliding_window_view(history, k)
        score[short:] = rows[len(older) + short + 1 - k :].min(axis=1)
    state.season_scores = _last([*state.season_scores, *own.tolist()], k - 1)
    fire = speaks & (score > params.season_z)
    alarm, (state.season_exceed, state.season_exceeding, state.season_peak) = _gate_batch(
        (state.season_exceed, state.season_exceeding, state.season_peak),
        score,
        fire,
        log_keep,
        speaks & learner,
        params,
    )
    reports, state.season_out = _hysteresis(fire, ~speaks | (score < params.season_z / 2), state.season_out)
    reports &= alarm
    return {
        "expected": expected,
        "sigma": sigma,
        "explained": (explain_sigma > 0) & (np.abs(x - explain_level) <= params.explain_z * explain_sigma),
        "season_score": score,
        "seasonal": reports,
    }


def _reading(c: dict, i: int) -> Reading:
    """The context of reading i from the batch arrays (for the readings that go through `_judge`)."""
    return Reading(
        hard=bool(c["hard"][i]),
        dt=float(c["dt"][i]),
        elapsed=float(c["elapsed"][i]),
        seen=bool(c["seen"][i]),
        interval=float(c["interval"][i]),
        gap=bool(c["gap"][i]),
        rate=float(c["rate"][i]) if c["fast"][i] else None,
        last_value=float(c["last_value"][i]),
        stuck=bool(c["stuck"][i]),
        expected=float(c["expected"][i]),
        sigma=float(c["sigma"][i]),
        explained=bool(c["explained"][i]),
        seasonal=float(c["season_score"][i]) if c["seasonal"][i] else None,
    )


SMALL_BATCH = 16  # below this many readings, the per-reading definition is faster than numpy's call overhead


def detect_series(
    state: SeriesState, timestamps: np.ndarray, values: np.ndarray, spec: MetricSpec, params: Params
) -> list[list[Anomaly]]:
    """Anomalies for each reading (in time order), updating `state` in place: the vectorised path, or for a
    handful of readings (a series' share of one micro-batch) the definition itself."""
    if len(values) < SMALL_BATCH:
        return detect_series_stepwise(state, timestamps, values, spec, params)
    return detect_vectorised(state, timestamps, values, spec, params)


def detect_flagged(
    state: SeriesState, timestamps: np.ndarray, values: np.ndarray, spec: MetricSpec, params: Params
) -> dict[int, list[Anomaly]]:
    """`detect_series` as {reading index: its anomalies} for the readings that have any, in index order (the
    Spark layer's form: most readings have none, and a list per reading costs more than finding them)."""
    if len(values) < SMALL_BATCH:
        found = detect_series_stepwise(state, timestamps, values, spec, params)
        return {i: anomalies for i, anomalies in enumerate(found) if anomalies}
    return _detect_vectorised(state, timestamps, values, spec, params)


def detect_vectorised(
    state: SeriesState, timestamps: np.ndarray, values: np.ndarray, spec: MetricSpec, params: Params
) -> list[list[Anomaly]]:
    """`detect_series` with numpy for any number of readings (tests hold it equal to the definition)."""
    out: list[list[Anomaly]] = [[] for _ in range(len(values))]
    for i, anomalies in _detect_vectorised(state, timestamps, values, spec, params).items():
        out[i] = anomalies
    return out


def _detect_vectorised(
    state: SeriesState, timestamps: np.ndarray, values: np.ndarray, spec: MetricSpec, params: Params
) -> dict[int, list[Anomaly]]:
    """The vectorised path, for the readings with anomalies only (in index order)."""
    x = np.asarray(values, dtype=float)
    t = np.asarray(timestamps, dtype=float)
    count = len(x)
    out: dict[int, list[Anomaly]] = {}
    if not count:
        return out
    c = _observe_batch(state, t, x, spec, params)
    learner, n_before, explained = c["learner"], c["n_before"], c["explained"]
    ready = n_before >= params.warmup
    log_keep = c["log_keep"]
    context_flags = c["hard"] | c["gap"] | c["fast"] | c["stuck"] | c["seasonal"]
    max_block = _max_block(params)
    pos, size = 0, max_block  # calm is the rule: start with a long block
    while pos < count:
        if state.n == 0:  # the first learned reading seeds the baselines
            found = _judge(state, float(x[pos]), _reading(c, pos), spec, params)
            if found:
                out[pos] = found
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
        base_var_p = np.concatenate([[state.base_var], base_var])[before]
        steps = np.diff(np.concatenate([[state.last_learned], xl]))
        noise = _linear(state.noise, params.base_alpha * 0.5 * steps * steps, 1 - params.base_alpha)
        noise_p = np.concatenate([[state.noise], noise])[before]
        std_p = np.sqrt(np.where(noise_p > 0, noise_p, 0.0))
        scale_p = np.sqrt(np.maximum(np.maximum(var_p, base_var_p), 0.0))
        xs = x[pos:end]
        deviation = np.abs(xs - mean_p)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            z = np.where(scale_p > 0, deviation / scale_p, 0.0)
            level = np.where(std_p > 0, (mean_p - base_p) / std_p, 0.0)
        zhit = ready[pos:end] & (scale_p > 0) & (z > params.z_warning)
        clipped = np.flatnonzero(zhit & learns)
        stop = int(clipped[0]) if len(clipped) else end - pos
        if stop:
            span = slice(pos, pos + stop)
            alarm, (state.exceed, state.exceeding, state.peak) = _gate_batch(
                (state.exceed, state.exceeding, state.peak),
                deviation[:stop],
                zhit[:stop] & ~explained[span],
                log_keep[span],
                ready[span] & learner[span],
                params,
            )
            watch = (n_before[span] >= params.drift_window) & (std_p[:stop] > 0)
            drift_fire = watch & (np.abs(level[:stop]) > params.drift_z)
            drift_rearm = watch & (np.abs(level[:stop]) < params.drift_z / 2)
            drift, state.drifting = _hysteresis(drift_fire, drift_rearm, state.drifting)
            drift &= ~explained[span]
            flagged = context_flags[span] | alarm | drift
            for k in np.flatnonzero(flagged).tolist():
                out[pos + k] = _explain(  # never empty: each flag is a rule that fired
                    float(x[pos + k]),
                    spec,
                    params,
                    _reading(c, pos + k),
                    z=float(z[k]) if alarm[k] else None,
                    mean=float(mean_p[k]),
                    scale=float(scale_p[k]),
                    divergence=float(level[k]) if drift[k] else None,
                    base_mean=float(base_p[k]),
                    std=float(std_p[k]),
                )
            learned = int(learns[:stop].sum())  # the state after the exact prefix
            if learned:
                state.mean, state.var = float(mean[learned - 1]), float(var[learned - 1])
                state.base_mean, state.base_var = float(base[learned - 1]), float(base_var[learned - 1])
                state.noise, state.last_learned = float(noise[learned - 1]), float(xl[learned - 1])
                state.n += learned
        pos += stop
        if pos < end:  # a clipped reading: by definition, then small blocks until the series is calm again
            found = _judge(state, float(x[pos]), _reading(c, pos), spec, params)
            if found:
                out[pos] = found
            pos, size = pos + 1, min(8, max_block)
        else:
            size = min(max_block, size * 2)
    return out


def _gate_batch(
    gate: tuple[float, bool, float],
    deviation: np.ndarray,
    over: np.ndarray,
    log_keep: np.ndarray,
    learns: np.ndarray,
    params: Params,
) -> tuple[np.ndarray, tuple[float, bool, float]]:
    """`_gate` over consecutive readings: where each exceedance alarms, and the gate after the last one. The
    peak is a decaying running maximum: the reading that holds it is found in the log domain, its value decayed
    from there (exactly itself where no time has passed)."""
    count, exceeding, peak = gate
    decay = np.cumsum(log_keep)  # log of what is kept from the start to each reading
    origin = np.concatenate([[0.0], decay])  # ... to the gate before them (index 0), or to each reading
    if not over.any():  # the common case: no exceedance, the count only decays and the peak only moves
        with np.errstate(divide="ignore"):
            key = np.where(learns, np.log(deviation), -np.inf) - decay
        start = math.log(peak) if peak > 0 else -math.inf
        last = len(key) - 1 - int(np.argmax(key[::-1]))  # the newest of equal keys holds it, as in `_gate`
        if key[last] >= start:
            held = float(np.where(learns[last], deviation[last], 0.0) * math.exp(decay[-1] - decay[last]))
        else:
            held = peak * math.exp(decay[-1])
        return np.zeros(len(over), dtype=bool), (count * math.exp(decay[-1]), False, held)
    with np.errstate(divide="ignore"):
        key = np.concatenate(
            [[math.log(peak) if peak > 0 else -math.inf], np.where(learns, np.log(deviation), -np.inf)]
        )
    key = key - origin
    values = np.concatenate([[peak], np.where(learns, deviation, 0.0)])
    holder = np.maximum.accumulate(np.where(key >= np.maximum.accumulate(key), np.arange(len(key)), 0))
    previous = holder[:-1]  # who holds the peak after the reading before each one
    peak_before = values[previous] * np.exp(decay - origin[previous])
    alarm = np.zeros(len(over), dtype=bool)
    at = 0.0
    prior = np.concatenate([[exceeding], over[:-1]])
    for k in np.flatnonzero(over).tolist():
        count *= math.exp(decay[k] - at)
        at = float(decay[k])
        alarm[k] = count <= params.busy_exceedances or deviation[k] > params.novelty_margin * peak_before[k]
        count += 0.0 if prior[k] else 1.0
    after = (
        count * math.exp(decay[-1] - at),
        bool(over[-1]),
        float(values[holder[-1]] * np.exp(decay[-1] - origin[holder[-1]])),
    )
    return alarm, after
