"""Pure anomaly scoring of one device x metric series: every reading gets a score in [0, 1] and a reason (no Spark,
no AWS). The state is plain data so Spark can keep it between micro-batches.

The model, per reading (what each series learns from its own data; the sensor catalog is only physics and a prior):
- a forecast: the level and its trend (Brown's double exponential smoothing) and, once each hour of the day has
  been seen `season_visits` times, a profile of the typical level per hour (weekdays and weekends apart) with its
  scatter within an hour and from day to day;
- a robust scale: the larger of a fast and a slow EWMA of the squared forecast error (bias-corrected for their
  start at 0), learned from errors clipped at `clip` deviations (one outlier cannot inflate it);
- five statistics, each turned into a tail probability E = -ln p of a value at least this extreme when the series
  behaves as it has (anomaly.surprise):
  spike     the deviation from the forecast (the smaller of the level's and the profile's: a reading the profile
            expects at this time of day is not a spike);
  shift     a two-sided CUSUM of that deviation (Page's test for a mean shift of 2 x `shift_k` deviations, whose
            stationary tail is exponential: p = e^-S); it accumulates evidence of a level shift or a drift;
  season    this hour's mean so far against the same hour on earlier days (their day-to-day scatter);
  noise     a CUSUM of the log-likelihood ratio of the noise doubling (`noise_ratio`), on the errors less their
            own short EWMA (a shift moves every error alike; a burst scatters them): a burst of noise;
  stuck     a run of identical readings, p = q^(run - 1) for the series' own repeat probability q.
- calibration: each statistic's tail is checked against the series' own history. Its excursions (runs of
  E > ln 10) are counted per size class in a histogram that forgets with time constant `memory_days`; a reading
  whose statistic is no larger than `deductible` earlier excursions in that time is as rare as they were, not as
  rare as the model says. A series whose spikes are its normal behaviour stops paging for them; a new record, or
  the first few of a kind, still does.
- the score: rarity in decades of days, r = max over statistics of min(log10(1 / (p x readings per day)),
  log10(1 / empirical rate per day)); score = r / `decades`, clipped to [0, 1]. A score of 0.5 with the defaults
  means "by chance once in 63 days at this series' cadence" (10^1.8), 0.9 once in 1,700 days. Physics overrides
  it: a reading outside the catalog's limits scores 1 (out_of_range), so does an implausible rate of change
  (spike).

Reasons: spike, level_shift (the shift CUSUM built up fast, or this hour is unusual for the time of day), drift
(the shift CUSUM built up slowly), noise_burst, stuck, out_of_range; a gap (a silence
longer than `gap_factor` learned reporting intervals) is an info row of its own, never an alert.

`detect_stepwise` runs the definition (`_step`) reading by reading; `detect_vectorised` runs the same model with
numpy: between readings whose forecast error is clipped, the level and the scale follow linear recursions with a
closed form, the CUSUMs follow Lindley's recursion, the calibration only changes where a statistic exceeds ln 10.
Tests hold the two equal. `detect` picks the definition for a handful of readings (cheaper than numpy's call
overhead there) and the vectorised path otherwise.
"""

from __future__ import annotations

import math
import operator
from dataclasses import asdict, dataclass, field, fields
from typing import Any, NamedTuple

import numpy as np

from anomaly.sensor_catalog import MetricSpec
from anomaly.surprise import neglog_tail, neglog_tail_array

DAY_S = 86_400.0
LN10 = math.log(10)
LN2 = math.log(2)
MEAN_ABS_TO_STD = math.sqrt(math.pi / 2)  # mean absolute deviation of a normal distribution -> standard deviation
STATISTICS = ("spike", "shift", "season", "noise", "stuck")
REASONS = ("spike", "level_shift", "drift", "noise_burst", "stuck", "out_of_range", "gap")
CALIBRATION_FLOOR = LN10  # excursions are counted from p < 0.1 on
MODEL = "score-1"  # the scoring model a stored state belongs to: a state of another model keeps only what carries
CARRIED = ("max_ts", "recent_ids", "prune_at", "last_ts", "intervals", "episode", "calm_readings")


@dataclass(frozen=True)
class Params:
    threshold: float = 0.5  # an alert: score at least this (opens and extends an alert episode)
    critical: float = 0.9  # a critical alert: score at least this
    decades: float = 3.6  # score 1 = rarer than once in 10**decades days (0.5: once in 63 days)
    alpha: float = 0.05  # level EWMA: weight of the newest reading
    scale_fast: float = 0.01  # EWMA weights of the squared forecast error (the scale is the larger of the two)
    scale_slow: float = 0.001
    clip: float = 4.0  # forecast errors are learned clipped at this many deviations
    warmup: int = 30  # readings learned before the series is scored
    shift_k: float = 0.5  # shift CUSUM reference, in deviations (tuned to shifts of twice this)
    drift_rate: float = 1.5  # a shift that built up by less than this many deviations per reading is a drift
    residual_clip: float = 4.0  # one reading moves the shift CUSUM by at most this many deviations
    noise_ratio: float = 3.0  # the noise CUSUM is tuned to the noise growing this many times
    noise_clip: float = 3.0  # ... and one reading moves it as a deviation of at most this many
    noise_mean: float = 0.3  # the noise CUSUM measures errors from their own EWMA of this weight (not a shift)
    stuck_min: int = 3  # readings in a run before it is judged
    stuck_repeat_share: float = 0.2  # runs are judged in series that repeated their last value less often than this
    stuck_floor: float = 0.02  # the least repeat probability a run is judged with
    repeat_alpha: float = 1 / 150  # EWMA weight of "the reading repeated the last one"
    gap_factor: float = 6.0  # silence longer than this many learned reporting intervals
    cadence_window: int = 32  # inter-arrival times the reporting interval is the median of
    cadence_prior: int = 1  # the catalog's interval counts as this many of them
    cadence_known: int = 2  # inter-arrival times a series shows before a silence can be a gap
    season_bins: int = 24  # profile bins per day (hours)
    season_weekend: bool = True  # Saturdays and Sundays (UTC) have a profile of their own
    season_weight: float = 0.25  # weight of the newest visit of a bin in its profile
    season_visits: int = 3  # visits of a bin before it speaks
    season_clip: float = 5.0  # a visit learns readings clipped at this many of its bin's deviations
    memory_days: float = 20.0  # the calibration's time constant
    deductible: float = 2.0  # excursions of a size a series may show in that time before the size is normal
    calibration_bins: int = 18  # size classes of excursions: E from ln 10 up by factors of sqrt 2
    lateness_s: float = 600.0  # watermark: older than newest - lateness is late

    def __post_init__(self) -> None:
        for name in ("alpha", "scale_fast", "scale_slow", "season_weight", "repeat_alpha", "noise_mean"):
            if not 0 < getattr(self, name) < 1:
                raise ValueError(f"Params.{name} = {getattr(self, name)}: an EWMA weight must be between 0 and 1")
        for name in ("warmup", "stuck_min", "cadence_window", "season_bins", "season_visits", "calibration_bins"):
            if getattr(self, name) < 1:
                raise ValueError(f"Params.{name} = {getattr(self, name)}: must be 1 or more")
        if not 0 < self.threshold <= self.critical <= 1:
            raise ValueError(
                f"Params threshold {self.threshold} / critical {self.critical}: need 0 < threshold <= critical <= 1"
            )
        if not 0 <= self.cadence_prior <= self.cadence_window:
            raise ValueError(
                f"Params.cadence_prior = {self.cadence_prior}: between 0 and cadence_window ({self.cadence_window})"
            )
        for name in ("memory_days", "decades", "clip", "residual_clip", "noise_clip", "shift_k"):
            if getattr(self, name) <= 0:
                raise ValueError(f"Params.{name} = {getattr(self, name)}: must be positive")
        if self.noise_ratio <= 1:
            raise ValueError(f"Params.noise_ratio = {self.noise_ratio}: a growth of the noise, more than 1")


@dataclass
class SeriesState:
    model: str = MODEL
    n: int = 0  # learned readings (readings outside the catalog's limits are not learned)
    level: float = 0.0  # EWMA of the learned readings, and its own EWMA: their difference is the trend
    level_lag: float = 0.0
    var_fast: float = 0.0
    var_slow: float = 0.0
    up: float = 0.0  # shift CUSUMs, in deviations, and readings since each was last 0
    down: float = 0.0
    up_age: int = 0
    down_age: int = 0
    noise: float = 0.0  # the noise CUSUM (a log-likelihood ratio)
    error_mean: float = 0.0  # EWMA of the clipped forecast error in deviations (what a shift adds to every error)
    last_ts: float = -math.inf  # newest reading time
    last_value: float = math.nan
    max_ts: float = -math.inf
    recent_ids: dict[str, float] = field(default_factory=dict)
    prune_at: int = 256
    intervals: list[float] = field(default_factory=list)  # last inter-arrival times (the cadence estimate)
    repeats: float = 0.0  # EWMA of "the reading repeated the last one"
    run: int = 0  # identical readings in the current run
    run_repeats: float = 1.0  # `repeats` when the run began
    run_start: int = 0  # learned readings when it began
    profile: list[float] = field(default_factory=list)  # typical level per time-of-day bin
    scatter: list[float] = field(default_factory=list)  # its mean absolute deviation within a visit
    day_scatter: list[float] = field(default_factory=list)  # mean absolute deviation of visit means from it
    visits: list[int] = field(default_factory=list)  # visits learned per bin
    slot: int = -1  # the time-of-day bin being visited (absolute: epoch // bin width)
    visit: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0, 0.0])  # learned sum, |dev| sum, count, sum
    calibration: list[float] = field(default_factory=list)  # excursions per statistic and size class (weighted)
    excursion: list[int] = field(default_factory=list)  # per statistic: size class reached by its current excursion
    calibration_origin: float = math.nan  # the time the weights are relative to
    episode: dict[str, Any] | None = None  # the open alert episode (anomaly.episodes.Episode.to_dict())
    calm_readings: int = 0  # readings without an alert since the open episode's last alert reading

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SeriesState:
        """From `to_dict()` output, also of an earlier release: fields added since take their defaults, fields
        removed are dropped; a state of another scoring model keeps only the admission watermark, the cadence and
        the open episode (`CARRIED`), and learns the rest again from its next readings."""
        known = {f.name for f in fields(cls)}
        if data.get("model") != MODEL:
            return cls(**{k: v for k, v in data.items() if k in CARRIED})
        return cls(**{k: v for k, v in data.items() if k in known})

    def to_tuple(self) -> tuple:
        """The field values in `STATE_FIELDS` order, not copied (the lists and dicts are the live state's): the
        compact form the Spark layer pickles at once (`to_dict` deep-copies every container)."""
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
    rule: str  # the reason (REASONS)
    value: float
    expected_low: float | None
    expected_high: float | None
    severity: str  # info, warning, critical
    message: str
    score: float = 0.0


@dataclass(frozen=True)
class Detection:
    """A batch's result: every reading's score and reason (time order), and the anomalies of the readings that
    have any ({reading index: anomalies}, in index order)."""

    scores: np.ndarray
    reasons: list[str]
    flagged: dict[int, list[Anomaly]]

    def per_reading(self) -> list[list[Anomaly]]:
        out: list[list[Anomaly]] = [[] for _ in range(len(self.scores))]
        for i, anomalies in self.flagged.items():
            out[i] = anomalies
        return out


# Admission: duplicates and late readings, decided in the series' own state.


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


# Cadence and the time-of-day profile.


def _last(values: list, count: int) -> list:
    return values[max(0, len(values) - count) :]


def reporting_interval(intervals: list[float], prior: float, params: Params) -> float:
    """The series' reporting interval: the median of its last inter-arrival times, with the catalog's interval
    as `cadence_prior` of them (a prior the series' own cadence outvotes after a few readings)."""
    recent = _last(intervals, params.cadence_window)
    return median([prior] * params.cadence_prior + recent)


def median(values: list[float]) -> float:
    """`float(np.median(values))` for a short list, exactly (the middle value, or the mean of the two middle
    ones as numpy computes it: (a + b) / 2), without numpy's call overhead."""
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


def _ensure(state: SeriesState, params: Params) -> None:
    """Allocate the profile and the calibration of a new state."""
    if not state.profile:
        size = _profile_size(params)
        state.profile, state.scatter, state.day_scatter = [0.0] * size, [0.0] * size, [0.0] * size
        state.visits = [0] * size
    if not state.calibration:
        state.calibration = [0.0] * (len(STATISTICS) * params.calibration_bins)
        state.excursion = [-1] * len(STATISTICS)


def _fold_visit(state: SeriesState, params: Params) -> None:
    """Learn the finished visit of a bin: the profile moves towards its mean level, the within-visit scatter
    towards its mean absolute deviation, the day-to-day scatter towards the distance of its mean (a running mean
    over the first visits, an EWMA after)."""
    total, deviation, count, _ = state.visit
    if count:
        b = _bin(state.slot, params)
        seen = state.visits[b]
        mean = total / count
        if seen == 0:
            state.profile[b] = mean
        else:
            weight = max(params.season_weight, 1 / seen)
            state.day_scatter[b] += weight * (abs(mean - state.profile[b]) - state.day_scatter[b])
            state.profile[b] += max(params.season_weight, 1 / (seen + 1)) * (mean - state.profile[b])
            state.scatter[b] += weight * (deviation / count - state.scatter[b])
        state.visits[b] = seen + 1
    state.visit = [0.0, 0.0, 0.0, 0.0]


class Context(NamedTuple):
    """What one reading shows before the level model judges it: physics, cadence, repetition, time of day."""

    hard: bool  # outside the catalog's limits (never learned)
    dt: float  # seconds since the newest earlier reading
    interval: float  # the learned reporting interval before it
    gap: bool
    rate: float | None  # its rate of change where implausible
    last_value: float
    stuck: float  # E of the run of identical readings it ends
    expected: float  # the profile's level for its time of day
    sigma: float  # the profile's within-visit deviation there
    speaks: bool  # the profile speaks for this bin
    season: float  # E of this visit's mean so far against the same hour on earlier days
    season_sigma: float  # the deviation of that mean
    now: float  # the newest reading time after it


def _observe(state: SeriesState, x: float, ts: float, spec: MetricSpec, params: Params) -> Context:
    """The reading's context by definition; updates cadence, repetition and the profile's visit."""
    _ensure(state, params)
    hard = x < spec.low or x > spec.high
    seen = state.last_ts > -math.inf
    dt = ts - state.last_ts
    last_value = state.last_value
    interval = reporting_interval(state.intervals, spec.interval_s, params)
    known = len(_last(state.intervals, params.cadence_window))
    rate = None
    if state.n and dt > 0 and not math.isnan(last_value):
        rate = abs(x - last_value) / dt
        rate = rate if rate > spec.max_rate_per_s else None
    # stuck: a run of identical readings, in a series that normally changes, begun after the warm-up
    repeat = x == last_value
    if repeat:
        state.run += 1
    else:
        state.run, state.run_repeats, state.run_start = 1, state.repeats, state.n
    stuck = 0.0
    judged = state.run >= params.stuck_min and state.run_start >= params.warmup
    if judged and state.run_repeats < params.stuck_repeat_share:
        stuck = (state.run - 1) * -math.log(max(state.run_repeats, params.stuck_floor))
    state.repeats += params.repeat_alpha * ((1.0 if repeat else 0.0) - state.repeats)
    # time of day: enter the reading's slot (a late reading stays in the current visit)
    slot = max(int(ts // (DAY_S / params.season_bins)), state.slot)
    if slot != state.slot:
        _fold_visit(state, params)
        state.slot = slot
    b = _bin(slot, params)
    expected = state.profile[b]
    sigma = MEAN_ABS_TO_STD * state.scatter[b]
    speaks = state.visits[b] >= params.season_visits and sigma > 0
    total, deviation, count, raw = state.visit
    season = season_sigma = 0.0
    if speaks and not hard:
        season_sigma = math.sqrt((MEAN_ABS_TO_STD * state.day_scatter[b]) ** 2 + sigma * sigma / (count + 1))
        season = neglog_tail(((raw + x) / (count + 1) - expected) / season_sigma) if season_sigma > 0 else 0.0
    if not hard:  # the visit learns the reading, clipped to the profile's band once it speaks
        learn = x
        if speaks:
            learn = min(max(x, expected - params.season_clip * sigma), expected + params.season_clip * sigma)
        state.visit = [
            total + learn,
            deviation + (abs(learn - expected) if state.visits[b] else 0.0),
            count + 1,
            raw + x,
        ]
    if seen and dt > 0:
        state.intervals = _last([*state.intervals, dt], params.cadence_window)
    state.last_ts = max(state.last_ts, ts)
    state.last_value = x
    return Context(
        hard=hard,
        dt=dt,
        interval=interval,
        gap=known >= params.cadence_known and dt > params.gap_factor * interval,
        rate=rate,
        last_value=last_value,
        stuck=stuck,
        expected=expected,
        sigma=sigma,
        speaks=speaks,
        season=season,
        season_sigma=season_sigma,
        now=state.last_ts,
    )


# The level model: forecast, scale and the statistics built on the forecast error.


class Judged(NamedTuple):
    """The level model's view of one learned reading, before it learns from it."""

    ready: bool
    level: float
    scale: float
    z: float  # forecast error in deviations (signed)
    combined: float  # the smaller of the level's and the profile's error (signed, clipped): the CUSUMs' input
    spike: float
    shift: float
    noise: float
    shift_age: int  # readings the dominant shift CUSUM has been building up


def _z(error: float, scale: float) -> float:
    if scale > 0:
        return error / scale
    return 0.0 if error == 0 else math.copysign(math.inf, error)


def _judge(state: SeriesState, x: float, c: Context, params: Params) -> Judged:
    """The level model for one learned reading by definition: its statistics, then it learns the reading."""
    ready = state.n >= params.warmup
    scale = _scale(state, params)
    forecast = _forecast(state, params)
    error = x - forecast
    z = _z(error, scale)
    zs = (x - c.expected) / c.sigma if c.speaks else math.inf
    u = zs if abs(zs) < abs(z) else z
    spike = neglog_tail(u)
    u = min(max(u, -params.residual_clip), params.residual_clip)
    k = params.shift_k
    if ready:
        state.up = max(0.0, state.up + u - k)
        state.down = max(0.0, state.down - u - k)
        state.up_age = state.up_age + 1 if state.up > 0 else 0
        state.down_age = state.down_age + 1 if state.down > 0 else 0
        grow = 0.5 * (1 - 1 / params.noise_ratio**2)
        v = min(abs(u - state.error_mean), params.noise_clip)
        state.noise = max(0.0, state.noise + grow * v * v - math.log(params.noise_ratio))
        state.error_mean += params.noise_mean * (u - state.error_mean)
    side = state.up >= state.down
    shift = 2 * k * max(state.up, state.down) - LN2
    judged = Judged(
        ready,
        forecast,
        scale,
        z,
        u,
        spike,
        shift,
        state.noise,
        state.up_age if side else state.down_age,
    )
    _learn_level(state, x, ready, params, forecast, scale)
    return judged


# Calibration: each statistic against the series' own history of excursions.


def _size_class(e: float, params: Params) -> int:
    """-1 below the calibration floor, else the size class of E (factors of sqrt 2 from ln 10)."""
    if not e > CALIBRATION_FLOOR:
        return -1
    if math.isinf(e):
        return params.calibration_bins - 1
    return min(params.calibration_bins - 1, int(2 * math.log2(e / CALIBRATION_FLOOR)))


REBASE_TIME_CONSTANTS = 300.0  # weights are exp((t - origin) / tau): moved to a new origin before they overflow


def _calibrate(state: SeriesState, stats: list[float], now: float, per_day: float, learn: bool, params: Params):
    """Rarity (decades of days) of each statistic by definition, against the excursions counted so far; counts
    the reading's own excursions (when `learn`). Returns (rarities, dominant statistic index)."""
    tau = params.memory_days * DAY_S
    if math.isnan(state.calibration_origin) or now - state.calibration_origin > REBASE_TIME_CONSTANTS * tau:
        keep = 1.0 if math.isnan(state.calibration_origin) else math.exp(-(now - state.calibration_origin) / tau)
        state.calibration = [c * keep for c in state.calibration]
        state.calibration_origin = now
    weight = math.exp((now - state.calibration_origin) / tau)
    bins = params.calibration_bins
    rarities = []
    for i, raw in enumerate(stats):
        e = max(0.0, raw - math.log(len(STATISTICS)))
        rarity = e / LN10 - math.log10(per_day)
        j = _size_class(e, params)
        if j >= 0:
            above = sum(state.calibration[i * bins + j : (i + 1) * bins]) / weight
            empirical = (above - params.deductible) / params.memory_days
            if empirical > 0:
                rarity = min(rarity, -math.log10(empirical))
        if learn:
            if j > state.excursion[i]:
                for level in range(state.excursion[i] + 1, j + 1):
                    state.calibration[i * bins + level] += weight
                state.excursion[i] = j
            elif j < 0:
                state.excursion[i] = -1
        rarities.append(rarity)
    best = max(range(len(rarities)), key=rarities.__getitem__)
    return rarities, best


# The score and the anomalies it explains.


def _reason(stat: int, age: int, stats: list[float], params: Params) -> str:
    name = STATISTICS[stat]
    if name == "shift":
        built = (stats[stat] + LN2) / (2 * params.shift_k) + params.shift_k * age  # deviations summed
        return "drift" if age and built / age < params.drift_rate else "level_shift"
    return {"spike": "spike", "season": "level_shift", "noise": "noise_burst", "stuck": "stuck"}[name]


def _explain(
    x: float, score: float, reason: str, stat: int, c: Context, j: Judged | None, spec: MetricSpec, params: Params
) -> list[Anomaly]:
    """The anomalies of one reading: the alert its score makes (or its physics), and a gap before it."""
    found: list[Anomaly] = []
    rarity = f"once in 10^{score * params.decades:.1f} days"
    if c.hard:
        found.append(
            Anomaly("out_of_range", x, spec.low, spec.high, "critical", f"outside {spec.low}..{spec.high}", 1.0)
        )
    elif c.rate is not None:
        span = spec.max_rate_per_s * c.dt
        message = f"changed {c.rate:.2f}/s, plausible {spec.max_rate_per_s}/s"
        found.append(Anomaly("spike", x, c.last_value - span, c.last_value + span, "critical", message, 1.0))
    elif score >= params.threshold and j is not None:
        severity = "critical" if score >= params.critical else "warning"
        seasonal = c.speaks and abs(j.combined) < abs(j.z)
        if STATISTICS[stat] == "season":
            center, spread = c.expected, c.season_sigma
            message = f"level_shift: unusual for the time of day (expected {c.expected:.4g}; {rarity})"
        elif reason == "stuck":
            found.append(
                Anomaly("stuck", x, None, None, severity, f"stuck: a run of identical readings ({rarity})", score)
            )
            return found
        else:
            center, spread = (c.expected, c.sigma) if seasonal else (j.level, j.scale)
            what = {
                "spike": f"{abs(j.combined):.1f} deviations from the expected {center:.4g}",
                "level_shift": f"the level moved {'up' if j.combined > 0 else 'down'} from {center:.4g}",
                "drift": f"the level is drifting away from {center:.4g}",
                "noise_burst": f"the noise grew around {center:.4g}",
            }[reason]
            message = f"{reason}: {what} ({rarity})"
        band = params.clip * spread
        found.append(Anomaly(reason, x, center - band, center + band, severity, message, score))
    if c.gap:
        limit = params.gap_factor * c.interval
        message = f"no reading for {c.dt:.0f}s (reports every {c.interval:.0f}s)"
        found.append(Anomaly("gap", c.dt, 0.0, limit, "info", message, score))
    return found


def _step(state: SeriesState, x: float, ts: float, spec: MetricSpec, params: Params) -> tuple[float, str, list]:
    """One reading, the whole model, by definition: its score, its reason and its anomalies; updates `state`."""
    c = _observe(state, x, ts, spec, params)
    if c.hard:
        return 1.0, "out_of_range", _explain(x, 1.0, "out_of_range", -1, c, None, spec, params)
    j = _judge(state, x, c, params)
    stats = [j.spike, j.shift, c.season, j.noise, c.stuck]
    rarities, best = _calibrate(state, stats, c.now, DAY_S / c.interval, j.ready, params)
    reason = _reason(best, j.shift_age, stats, params)
    score = min(1.0, max(0.0, rarities[best] / params.decades)) if j.ready else 0.0
    if c.rate is not None:
        score, reason = 1.0, "spike"
    return score, reason, _explain(x, score, reason, best, c, j, spec, params)


def detect_stepwise(
    state: SeriesState, timestamps: np.ndarray, values: np.ndarray, spec: MetricSpec, params: Params
) -> Detection:
    """The reference: `_step` on every reading. Same result as `detect_vectorised`, many times slower."""
    scores, reasons, flagged = [], [], {}
    t = np.asarray(timestamps, dtype=float).tolist()
    x = np.asarray(values, dtype=float).tolist()
    for i, (ts, value) in enumerate(zip(t, x, strict=True)):
        score, reason, anomalies = _step(state, value, ts, spec, params)
        scores.append(score)
        reasons.append(reason)
        if anomalies:
            flagged[i] = anomalies
    return Detection(np.array(scores, dtype=float), reasons, flagged)


SMALL_BATCH = 16  # below this many readings, the per-reading definition is faster than numpy's call overhead


def detect(
    state: SeriesState, timestamps: np.ndarray, values: np.ndarray, spec: MetricSpec, params: Params
) -> Detection:
    """Scores, reasons and anomalies of readings in time order, updating `state` in place: the vectorised path,
    or for a handful of readings (a series' share of one micro-batch) the definition itself."""
    if len(values) < SMALL_BATCH:
        return detect_stepwise(state, timestamps, values, spec, params)
    return detect_vectorised(state, timestamps, values, spec, params)


def detect_series(
    state: SeriesState, timestamps: np.ndarray, values: np.ndarray, spec: MetricSpec, params: Params
) -> list[list[Anomaly]]:
    """`detect` as a list of anomalies per reading."""
    return detect(state, timestamps, values, spec, params).per_reading()


# The vectorised path: the same model over a whole batch with numpy.


def _max_block(params: Params) -> int:
    """Longest block whose closed form stays well inside float range: keep**-block <= e**300 for every EWMA."""
    keep = 1 - max(params.alpha, params.scale_fast, params.scale_slow)
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


def _lindley(start: float, steps: np.ndarray) -> np.ndarray:
    """s[k] = max(0, s[k-1] + steps[k]), s[-1] = start, for every k: the running sum less its running minimum."""
    total = np.cumsum(steps)
    return total - np.minimum(np.minimum.accumulate(total), -start)


def _ages(start: int, level: np.ndarray) -> np.ndarray:
    """Readings since each value of a CUSUM was last 0 (0 where it is 0), continuing from `start`."""
    index = np.arange(1, len(level) + 1)
    zero = np.maximum.accumulate(np.where(level == 0, index, 0))
    return np.where(zero > 0, index - zero, index + start) * (level > 0)


def _observe_batch(state: SeriesState, t: np.ndarray, x: np.ndarray, spec: MetricSpec, params: Params) -> dict:
    """`_observe` for a whole batch at once: the context arrays of every reading; updates the same parts of
    `state`. `n` is the caller's: it passes the learned count before each reading."""
    _ensure(state, params)
    count = len(x)
    hard = (x < spec.low) | (x > spec.high)
    learner = ~hard
    n_before = state.n + np.concatenate([[0], np.cumsum(learner)[:-1]])
    last_ts = np.maximum.accumulate(np.concatenate([[state.last_ts], t]))
    seen = np.concatenate([[state.last_ts > -math.inf], np.ones(count - 1, dtype=bool)])
    dt = t - last_ts[:-1]
    last_value = np.concatenate([[state.last_value], x[:-1]])
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        rate = np.abs(x - last_value) / dt
    fast = (n_before > 0) & (dt > 0) & ~np.isnan(last_value) & (rate > spec.max_rate_per_s)
    # cadence: the median of the window of inter-arrival times (and the prior) before each reading
    width = params.cadence_window
    arrived = seen & (dt > 0)
    known = _last(state.intervals, width)
    full = np.concatenate([known, dt[arrived]])
    before = np.concatenate([[0], np.cumsum(arrived)[:-1]])  # intervals that arrived in the batch before each one
    prior = [spec.interval_s] * params.cadence_prior
    short = max(0, min(len(full) + 1, width) - len(known))  # windows not yet full: by definition
    medians = np.empty(len(full) - len(known) + 1)
    for j in range(min(short, len(medians))):
        medians[j] = median(prior + full[: len(known) + j].tolist())
    if short < len(medians):
        first = len(known) + short - width
        if params.cadence_prior < width and np.all(full[first:] == full[-1]):  # a regular cadence: flat windows
            medians[short:] = full[-1]
        else:
            windows = np.lib.stride_tricks.sliding_window_view(full, width)[first:]
            prior_column = np.full((len(windows), params.cadence_prior), spec.interval_s)
            medians[short:] = np.median(np.concatenate([prior_column, windows], axis=1), axis=1)
    interval = medians[before]
    shown = np.minimum(len(known) + before, width)
    state.intervals = _last([*state.intervals, *dt[arrived].tolist()], width)
    gap = (shown >= params.cadence_known) & (dt > params.gap_factor * interval)
    # stuck: runs of identical readings, the repeat share and learned count where each run began
    repeat = x == last_value
    index = np.arange(count)
    begins = np.maximum.accumulate(np.where(repeat, -1, index))
    run = np.where(begins >= 0, index - begins + 1, state.run + index + 1)
    share = _linear_long(state.repeats, params.repeat_alpha * repeat, 1 - params.repeat_alpha)
    share_before = np.concatenate([[state.repeats], share[:-1]])
    at = np.maximum(begins, 0)
    run_repeats = np.where(begins >= 0, share_before[at], state.run_repeats)
    run_start = np.where(begins >= 0, n_before[at], state.run_start)
    judged = (run >= params.stuck_min) & (run_start >= params.warmup) & (run_repeats < params.stuck_repeat_share)
    stuck = np.where(judged, (run - 1) * -np.log(np.maximum(run_repeats, params.stuck_floor)), 0.0)
    state.run, state.repeats = int(run[-1]), float(share[-1])
    state.run_repeats, state.run_start = float(run_repeats[-1]), int(run_start[-1])
    season = _season_batch(state, t, x, learner, params)
    state.last_ts, state.last_value = float(last_ts[-1]), float(x[-1])
    return {
        "hard": hard,
        "learner": learner,
        "n_before": n_before,
        "dt": dt,
        "interval": interval,
        "gap": gap,
        "rate": rate,
        "fast": fast,
        "last_value": last_value,
        "stuck": stuck,
        "now": last_ts[1:],
        **season,
    }


def _season_batch(state: SeriesState, t: np.ndarray, x: np.ndarray, learner: np.ndarray, params: Params) -> dict:
    """The time-of-day part of `_observe` for a batch: visit by visit (the profile is fixed within one; its sums
    with numpy, equal to `_observe`'s one by one to rounding), the statistic of every reading at the end."""
    count = len(x)
    slots = np.maximum.accumulate(np.maximum((t // (DAY_S / params.season_bins)).astype(np.int64), state.slot))
    starts = np.flatnonzero(np.concatenate([[True], slots[1:] != slots[:-1]])).tolist()
    level, spread, day, speaking, counted, summed = [], [], [], [], [], []  # per visit of the batch
    clip = params.season_clip
    for begin, end in zip(starts, [*starts[1:], count], strict=True):
        slot = int(slots[begin])
        if slot != state.slot:
            _fold_visit(state, params)
            state.slot = slot
        b = _bin(slot, params)
        expected, sigma = state.profile[b], MEAN_ABS_TO_STD * state.scatter[b]
        speak = state.visits[b] >= params.season_visits and sigma > 0
        total, deviation, readings, raw = state.visit
        level.append(expected)
        spread.append(sigma)
        day.append(MEAN_ABS_TO_STD * state.day_scatter[b])
        speaking.append(speak)
        counted.append(readings)
        summed.append(raw)
        learns_here = learner[begin:end]
        values_here = x[begin:end][learns_here]
        if len(values_here):
            learn = np.clip(values_here, expected - clip * sigma, expected + clip * sigma) if speak else values_here
            total += float(learn.sum())
            deviation += float(np.abs(learn - expected).sum()) if state.visits[b] else 0.0
            readings += len(values_here)
            raw += float(values_here.sum())
        state.visit = [total, deviation, readings, raw]
    lengths = np.diff([*starts, count])
    visit = np.repeat(np.arange(len(starts)), lengths)
    expected = np.array(level)[visit]
    sigma = np.array(spread)[visit]
    speaks = np.array(speaking, dtype=bool)[visit]
    # each learned reading's visit mean so far, against the same hour on earlier days
    running = np.cumsum(learner)
    at_start = (running - learner)[starts]
    sums = np.cumsum(np.where(learner, x, 0.0))
    sums_at_start = (sums - np.where(learner, x, 0.0))[starts]
    counted_now = np.array(counted)[visit] + running - at_start[visit]
    mean = (np.array(summed)[visit] + sums - sums_at_start[visit]) / np.maximum(counted_now, 1)
    season_sigma = np.sqrt(np.array(day)[visit] ** 2 + sigma * sigma / np.maximum(counted_now, 1))
    judged = speaks & learner & (season_sigma > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        season = np.where(judged, neglog_tail_array((mean - expected) / np.where(judged, season_sigma, 1.0)), 0.0)
    season_sigma = np.where(speaks & learner, season_sigma, 0.0)
    return {"expected": expected, "sigma": sigma, "speaks": speaks, "season": season, "season_sigma": season_sigma}


def _forecast(state: SeriesState, params: Params) -> float:
    """The next reading's forecast: Brown's double exponential smoothing (level plus trend from two cascaded
    EWMAs), which follows a smooth daily cycle without the lag of a plain EWMA."""
    return state.level + (state.level - state.level_lag) / (1 - params.alpha)


def _scale(state: SeriesState, params: Params) -> float:
    """The forecast error's scale: the larger of the fast and the slow EWMA of its square, each bias-corrected
    for having started at 0 (its n - 1 updates after the first reading, which only seeds the level)."""
    updates = state.n - 1
    if updates < 1:
        return 0.0
    fast = state.var_fast / (1 - (1 - params.scale_fast) ** updates)
    slow = state.var_slow / (1 - (1 - params.scale_slow) ** updates)
    return math.sqrt(max(fast, slow))


def _learn_level(state: SeriesState, y: float, ready: bool, params: Params, forecast: float, scale: float) -> None:
    """The level and scale learn one reading (`forecast` and `scale` are the state's before it), as `_judge` does:
    its error clipped once the series is ready."""
    error = y - forecast
    learn = error
    if ready and scale > 0:
        learn = min(max(error, -params.clip * scale), params.clip * scale)
    if state.n == 0:
        state.level = state.level_lag = y
        learn = 0.0
    else:
        learned = y if learn == error else forecast + learn
        state.level += params.alpha * (learned - state.level)
        state.level_lag += params.alpha * (state.level - state.level_lag)
    state.var_fast += params.scale_fast * (learn * learn - state.var_fast)
    state.var_slow += params.scale_slow * (learn * learn - state.var_slow)
    state.n += 1


def _level_batch(state: SeriesState, y: np.ndarray, zs: np.ndarray, params: Params) -> dict:
    """`_judge` over the learned readings of a batch (in order): the level and scale before each, the forecast
    error and the statistics on it. Between clipped readings the EWMAs follow their closed form; a clipped
    reading (and a series' first) goes through the definition, then small blocks until the series is calm."""
    count = len(y)
    level_before, scale_before = np.empty(count), np.empty(count)
    ready = state.n + np.arange(count) >= params.warmup
    a, fast, slow = params.alpha, params.scale_fast, params.scale_slow
    max_block = _max_block(params)
    pos, size = 0, max_block  # calm is the rule: start with a long block
    while pos < count:
        if state.n:
            end = min(count, pos + size)
            ys = y[pos:end]
            means = state.level + _linear(0.0, a * (ys - state.level), 1 - a)
            lags = state.level_lag + _linear(0.0, a * (means - state.level_lag), 1 - a)
            level = np.concatenate([[state.level], means[:-1]])
            lag = np.concatenate([[state.level_lag], lags[:-1]])
            previous = level + (level - lag) / (1 - a)
            errors = ys - previous
            var_fast = _linear(state.var_fast, fast * errors * errors, 1 - fast)
            var_slow = _linear(state.var_slow, slow * errors * errors, 1 - slow)
            updates = state.n - 1 + np.arange(end - pos)
            with np.errstate(divide="ignore", invalid="ignore"):
                scale = np.sqrt(
                    np.maximum(
                        np.concatenate([[state.var_fast], var_fast[:-1]]) / (1 - (1 - fast) ** updates),
                        np.concatenate([[state.var_slow], var_slow[:-1]]) / (1 - (1 - slow) ** updates),
                    )
                )
            scale = np.where(updates >= 1, scale, 0.0)
            clipped = np.flatnonzero(ready[pos:end] & (scale > 0) & (np.abs(errors) > params.clip * scale))
            stop = int(clipped[0]) if len(clipped) else end - pos
            if stop:  # the exact prefix
                level_before[pos : pos + stop], scale_before[pos : pos + stop] = previous[:stop], scale[:stop]
                state.level, state.level_lag = float(means[stop - 1]), float(lags[stop - 1])
                state.var_fast, state.var_slow = float(var_fast[stop - 1]), float(var_slow[stop - 1])
                state.n += stop
                pos += stop
            if pos == end:
                size = min(max_block, size * 2)
                continue
        # By definition: the series' first reading, a clipped one and the readings after it until 16 in a row are
        # calm (a plain loop is cheaper than numpy blocks that stop after a few readings).
        calm = 0
        while pos < count and calm < 16:
            forecast, scale = _forecast(state, params), _scale(state, params)
            level_before[pos], scale_before[pos] = forecast, scale
            value = float(y[pos])
            clipped = ready[pos] and scale > 0 and abs(value - forecast) > params.clip * scale
            _learn_level(state, value, bool(ready[pos]), params, forecast, scale)
            calm = 0 if clipped or state.n == 1 else calm + 1
            pos += 1
        size = min(32, max_block)
    errors = y - level_before
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(scale_before > 0, errors / scale_before, np.where(errors == 0, 0.0, np.copysign(np.inf, errors)))
    u = np.where(np.abs(zs) < np.abs(z), zs, z)
    spike = neglog_tail_array(u)
    u = np.clip(u, -params.residual_clip, params.residual_clip)
    k = params.shift_k
    up, down, noise = np.full(count, state.up), np.full(count, state.down), np.full(count, state.noise)
    up_age, down_age = np.full(count, state.up_age, dtype=np.int64), np.full(count, state.down_age, dtype=np.int64)
    first = int(np.argmax(ready)) if ready.any() else count  # the CUSUMs run once the series is ready
    if first < count:
        w = u[first:]
        up[first:] = _lindley(state.up, w - k)
        down[first:] = _lindley(state.down, -w - k)
        up_age[first:] = _ages(state.up_age, up[first:])
        down_age[first:] = _ages(state.down_age, down[first:])
        grow = 0.5 * (1 - 1 / params.noise_ratio**2)
        means = state.error_mean + _linear_long(0.0, params.noise_mean * (w - state.error_mean), 1 - params.noise_mean)
        v = np.minimum(np.abs(w - np.concatenate([[state.error_mean], means[:-1]])), params.noise_clip)
        noise[first:] = _lindley(state.noise, grow * v * v - math.log(params.noise_ratio))
        state.error_mean = float(means[-1])
        state.up, state.down, state.noise = float(up[-1]), float(down[-1]), float(noise[-1])
        state.up_age, state.down_age = int(up_age[-1]), int(down_age[-1])
    return {
        "ready": ready,
        "level": level_before,
        "scale": scale_before,
        "z": z,
        "combined": u,
        "spike": spike,
        "shift": 2 * k * np.maximum(up, down) - LN2,
        "noise": noise,
        "shift_age": np.where(up >= down, up_age, down_age),
    }


def _size_classes(e: np.ndarray, params: Params) -> np.ndarray:
    """`_size_class` for every element."""
    with np.errstate(divide="ignore", invalid="ignore"):
        classes = np.floor(2 * np.log2(e / CALIBRATION_FLOOR))
    classes = np.where(np.isinf(e), params.calibration_bins - 1, np.minimum(params.calibration_bins - 1, classes))
    return np.where(e > CALIBRATION_FLOOR, classes, -1).astype(np.int64)


def _calibrate_batch(
    state: SeriesState, stats: np.ndarray, now: np.ndarray, per_day: np.ndarray, ready: np.ndarray, params: Params
) -> tuple[np.ndarray, np.ndarray]:
    """`_calibrate` for the learned readings of a batch: rarities (readings x statistics) and the dominant
    statistic of each. Only readings whose statistic exceeds ln 10 look the calibration up or change it."""
    count, kinds = stats.shape
    tau = params.memory_days * DAY_S
    origin = state.calibration_origin
    if count and math.isnan(origin):
        origin = float(now[0])
    if count and float(now[-1]) - origin > REBASE_TIME_CONSTANTS * tau:  # rare: weights rebased, by definition
        rows = [
            _calibrate(state, s.tolist(), float(t), float(d), bool(r), params)
            for s, t, d, r in zip(stats, now, per_day, ready, strict=True)
        ]
        return np.array([r for r, _ in rows]), np.array([b for _, b in rows], dtype=np.int64)
    state.calibration_origin = origin
    bins = params.calibration_bins
    weight = np.exp((now - origin) / tau)
    e = np.maximum(0.0, stats - math.log(len(STATISTICS)))
    rarities = e / LN10 - np.log10(per_day)[:, None]
    first = int(np.argmax(ready)) if ready.any() else count
    for i in range(kinds):
        if state.excursion[i] < 0 and not (e[:, i] > CALIBRATION_FLOOR).any():
            continue  # no excursion of this statistic in the batch, none going on: nothing to look up or learn
        classes = _size_classes(e[:, i], params)
        stored = np.array(state.calibration[i * bins : (i + 1) * bins])
        # The excursion's size class after each ready reading: the running maximum within runs above the floor.
        levels = np.full(count, state.excursion[i], dtype=np.int64)
        if first < count:
            j = classes[first:]
            run = np.cumsum(j < 0)
            reached = np.where(run == 0, np.maximum(j, state.excursion[i]), j)
            key = np.maximum.accumulate(run * (bins + 2) + reached + 1)
            levels[first:] = np.where(j < 0, -1, key - run * (bins + 2) - 1)
        previous = np.concatenate([[state.excursion[i]], levels[:-1]])
        grew = np.flatnonzero(levels > previous)
        # The calibration before each event, as suffix sums over size classes (row 0: before the batch).
        added = np.zeros((len(grew), bins))
        for row, at in enumerate(grew.tolist()):
            added[row, previous[at] + 1 : levels[at] + 1] = weight[at]
        cumulative = stored + np.concatenate([np.zeros((1, bins)), np.cumsum(added, axis=0)])
        tails = np.cumsum(cumulative[:, ::-1], axis=1)[:, ::-1]
        looked = np.flatnonzero(classes >= 0)
        if len(looked):
            events_before = np.searchsorted(grew, looked, side="left")
            above = tails[events_before, classes[looked]] / weight[looked]
            empirical = (above - params.deductible) / params.memory_days
            with np.errstate(divide="ignore", invalid="ignore"):
                capped = np.where(empirical > 0, -np.log10(np.where(empirical > 0, empirical, 1.0)), np.inf)
            rarities[looked, i] = np.minimum(rarities[looked, i], capped)
        if len(grew):
            state.calibration[i * bins : (i + 1) * bins] = (stored + added.sum(axis=0)).tolist()
        state.excursion[i] = int(levels[-1]) if count else state.excursion[i]
    return rarities, np.argmax(rarities, axis=1) if count else np.zeros(0, dtype=np.int64)


def detect_vectorised(
    state: SeriesState, timestamps: np.ndarray, values: np.ndarray, spec: MetricSpec, params: Params
) -> Detection:
    """`detect` with numpy for any number of readings (tests hold it equal to the definition)."""
    x = np.asarray(values, dtype=float)
    t = np.asarray(timestamps, dtype=float)
    count = len(x)
    if not count:
        return Detection(np.zeros(0), [], {})
    c = _observe_batch(state, t, x, spec, params)
    learned = np.flatnonzero(c["learner"])
    with np.errstate(divide="ignore", invalid="ignore"):
        zs = np.where(c["speaks"], (x - c["expected"]) / np.where(c["speaks"], c["sigma"], 1.0), np.inf)
    j = _level_batch(state, x[learned], zs[learned], params)
    stats = np.column_stack([j["spike"], j["shift"], c["season"][learned], j["noise"], c["stuck"][learned]])
    with np.errstate(over="ignore", divide="ignore"):  # a cadence of nanoseconds: more readings a day than floats
        per_day = DAY_S / c["interval"][learned]
    rarities, best = _calibrate_batch(state, stats, c["now"][learned], per_day, j["ready"], params)
    scores = np.ones(count)
    reasons = np.full(count, "out_of_range", dtype=object)
    chosen = rarities[np.arange(len(learned)), best] if len(learned) else np.zeros(0)
    scores[learned] = np.where(j["ready"], np.clip(chosen / params.decades, 0.0, 1.0), 0.0)
    names = np.array(["spike", "level_shift", "level_shift", "noise_burst", "stuck"], dtype=object)
    reasons[learned] = names[best]
    shifts = best == STATISTICS.index("shift")  # `_reason`: a shift that built up slowly is a drift
    age = j["shift_age"]
    built = (stats[:, STATISTICS.index("shift")] + LN2) / (2 * params.shift_k) + params.shift_k * age
    with np.errstate(divide="ignore", invalid="ignore"):
        slow = (age > 0) & (built / np.maximum(age, 1) < params.drift_rate)
    reasons[learned[shifts & slow]] = "drift"
    fast = c["fast"] & c["learner"]
    scores[fast], reasons[fast] = 1.0, "spike"
    flagged: dict[int, list[Anomaly]] = {}
    rows = np.flatnonzero(c["hard"] | c["gap"] | fast | (scores >= params.threshold))
    if not len(rows):
        return Detection(scores, reasons.tolist(), flagged)
    # The flagged readings' context and level view, gathered once per batch as plain Python values.
    where = np.full(count, -1, dtype=np.int64)
    where[learned] = np.arange(len(learned))
    k = where[rows]
    at = np.maximum(k, 0)
    contexts = zip(
        c["hard"][rows].tolist(),
        c["dt"][rows].tolist(),
        c["interval"][rows].tolist(),
        c["gap"][rows].tolist(),
        np.where(c["fast"][rows], c["rate"][rows], np.nan).tolist(),
        c["last_value"][rows].tolist(),
        c["stuck"][rows].tolist(),
        c["expected"][rows].tolist(),
        c["sigma"][rows].tolist(),
        c["speaks"][rows].tolist(),
        c["season"][rows].tolist(),
        c["season_sigma"][rows].tolist(),
        c["now"][rows].tolist(),
        strict=True,
    )
    names = ("ready", "level", "scale", "z", "combined", "spike", "shift", "noise", "shift_age")
    learned_any = len(learned) > 0
    views = zip(*(j[name][at].tolist() for name in names), strict=True) if learned_any else [None] * len(rows)
    stats_of = best[at].tolist() if learned_any else [-1] * len(rows)
    for i, own, context, view, stat, value, score, reason in zip(
        rows.tolist(),
        k.tolist(),
        contexts,
        views,
        stats_of,
        x[rows].tolist(),
        scores[rows].tolist(),
        reasons[rows].tolist(),
        strict=True,
    ):
        rate = context[4]
        found = _explain(
            value,
            score,
            reason,
            stat if own >= 0 else -1,
            Context(*context[:4], None if math.isnan(rate) else rate, *context[5:]),
            Judged(*view) if own >= 0 else None,
            spec,
            params,
        )
        if found:
            flagged[i] = found
    return Detection(scores, reasons.tolist(), flagged)
