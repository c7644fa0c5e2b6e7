"""The pure detector: each rule's behaviour, and the vectorised path held equal to the stepwise definition."""

from __future__ import annotations

import json
import math
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anomaly.detector import (
    STATE_FIELDS,
    Params,
    SeriesState,
    admit,
    admit_stepwise,
    detect_flagged,
    detect_series,
    detect_series_stepwise,
    detect_vectorised,
)
from anomaly.sensor_catalog import DEFAULT, spec_for
from anomaly.simulate import fleet, shift_fleet


@pytest.mark.parametrize("make", ["fleet", "shifts"])
def test_same_alarms_when_fed_in_micro_batches_through_json(make):
    """What Spark does: the state stored as JSON between micro-batches (cadence, profile, gates and all): the
    same alarms as one pass, for smooth cycles and for shift steps over two weeks (profiles that speak)."""
    made = {"fleet": lambda: fleet(1, 17_280, seed=5, metrics=("temperature",)), "shifts": lambda: shift_fleet(1, 14)}
    series = made[make]()[0]
    spec = spec_for(series.metric)
    whole_state = SeriesState()
    whole = detect_series(whole_state, series.timestamps, series.values, spec, Params())
    state, pieces = SeriesState(), []
    for start in range(0, len(series.values), 997):
        stop = start + 997
        state = SeriesState.from_dict(json.loads(json.dumps(state.to_dict())))
        pieces += detect_series(state, series.timestamps[start:stop], series.values[start:stop], spec, Params())
    assert [[(a.rule, a.severity) for a in r] for r in pieces] == [[(a.rule, a.severity) for a in r] for r in whole]
    assert sum(bool(r) for r in whole) >= 4 and max(state.visits) >= (3 if make == "shifts" else 1)
    _same_state(state, whole_state)


def test_every_anomaly_explains_itself():
    state = SeriesState()
    ts = np.arange(100) * 10.0
    values = np.full(100, 60.0) + np.sin(np.arange(100)) * 0.3
    values[60] = 200.0
    found = detect_series(state, ts, values, spec_for("temperature"), Params())
    hard = next(a for a in found[60] if a.rule == "hard_limit")
    assert (hard.value, hard.expected_low, hard.expected_high, hard.severity) == (200.0, -40.0, 150.0, "critical")
    assert hard.message


def test_gap_stuck_and_rate_rules():
    params = Params()
    state = SeriesState()
    ts = np.concatenate([np.arange(50) * 10.0, 5000 + np.arange(50) * 10.0])
    values = np.concatenate([60 + np.random.default_rng(1).normal(0, 0.3, 50), np.full(50, 61.0)])
    found = detect_series(state, ts, values, spec_for("temperature"), params)
    rules = [a.rule for r in found for a in r]
    assert "gap" in rules and rules.count("stuck") == 1
    rate_state = SeriesState()
    found = detect_series(rate_state, np.array([0.0, 1.0]), np.array([20.0, 80.0]), spec_for("temperature"), params)
    assert [a.rule for a in found[1]] == ["rate_of_change"]


def test_admit_refuses_duplicates_and_late_readings():
    params, state = Params(lateness_s=600), SeriesState()
    assert admit(state, ["a", "a"], np.array([1000.0, 1000.0]), params) == [None, "duplicate event_id"]
    assert admit(state, ["a"], np.array([1000.0]), params) == ["duplicate event_id"]  # in a later batch too
    assert admit(state, ["c", "b"], np.array([300.0, 900.0]), params)[1] is None  # out of order, within the watermark
    late = admit(state, ["c"], np.array([300.0]), params)[0]
    assert late.startswith("late: 700s behind")
    admit(state, [f"x{i}" for i in range(300)], 2000.0 + np.arange(300.0), params)
    assert "a" not in state.recent_ids and "b" not in state.recent_ids  # pruned once behind the watermark
    assert len(state.recent_ids) == 300 and state.prune_at >= 256  # everything newer is still deduplicated
    assert state.max_ts == 2299.0


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.lists(st.tuples(st.sampled_from("abcdefgh"), st.integers(0, 2000)), max_size=40), max_size=5),
    st.sampled_from([0.0, 100.0, 600.0]),
)
def test_admit_with_set_operations_equals_the_loop(batches, lateness):
    """`admit` (set operations where no reading is late and no id seen before) against its definition: the same
    verdicts, the same remembered ids, watermark and pruning after every batch; ids repeat within and across
    batches, readings fall behind the watermark."""
    params = Params(lateness_s=lateness)
    fast, slow = SeriesState(prune_at=4), SeriesState(prune_at=4)
    for batch in batches:
        readings = sorted(batch, key=lambda r: r[1])  # admit's contract: readings in time order
        ids, ts = [f"{i}{t // 500}" for i, t in readings], np.array([float(t) for _, t in readings])
        assert admit(fast, ids, ts, params) == admit_stepwise(slow, ids, ts, params)
        assert (fast.recent_ids, fast.max_ts, fast.prune_at) == (slow.recent_ids, slow.max_ts, slow.prune_at)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(st.floats(allow_nan=True), st.sampled_from([0.5, 10.0, 10.0, 60.0])), max_size=40))
def test_median_is_numpys_exactly(values):
    """The cadence's median without numpy: bit for bit np.median's result, infinities, NaN and ties included."""
    import warnings

    from anomaly.detector import median

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy warns on an empty list (and an inf - inf)
        expected = float(np.median(values))
    got = median(values)
    assert got == expected or (math.isnan(got) and math.isnan(expected)), (values, got, expected)


def test_the_flagged_readings_are_detect_series_without_the_empty_ones():
    """`detect_flagged` (the Spark layer's form) is `detect_series` with the readings without anomalies left out,
    on both paths (a handful of readings by definition, more with numpy), state included."""
    series = fleet(1, 3_000, seed=9, metrics=("pressure",))[0]
    spec = spec_for(series.metric)
    dense, sparse = SeriesState(), SeriesState()
    for start, size in [(0, 5), (5, 1200), (1205, 15), (1220, 1780)]:
        piece = slice(start, start + size)
        found = detect_series(dense, series.timestamps[piece], series.values[piece], spec, Params())
        flagged = detect_flagged(sparse, series.timestamps[piece], series.values[piece], spec, Params())
        assert flagged == {i: a for i, a in enumerate(found) if a}
        assert list(flagged) == sorted(flagged)
    assert any(found) and sparse.to_dict() == dense.to_dict()


def test_state_round_trips_through_its_tuple_and_detects_the_same_after_a_restore():
    """The compact layout the Spark layer stores (field values in STATE_FIELDS order, pickled): a state restored
    from it equals the original field by field and goes on to find the very same anomalies; a tuple stored with
    another release's field names loads by name (a removed field dropped, an added one defaulted)."""
    import pickle

    series = fleet(1, 6_000, seed=12, metrics=("temperature",))[0]
    spec, cut = spec_for(series.metric), 4_000
    state = SeriesState()
    detect_series(state, series.timestamps[:cut], series.values[:cut], spec, Params())
    assert state.episode is None and state.profile and state.intervals  # a state with every kind of field
    state.episode = {"episode_id": "e", "rules": ["ewma_z"]}
    stored = pickle.dumps(state.to_tuple(), protocol=5)
    restored = SeriesState.from_tuple(pickle.loads(stored), STATE_FIELDS)
    assert restored == state and restored.to_dict() == state.to_dict()
    assert restored.profile is not state.profile
    rest = (series.timestamps[cut:], series.values[cut:], spec, Params())
    assert detect_series(restored, *rest) == detect_series(state, *rest)
    assert restored == state
    older = (*STATE_FIELDS[:-1], "window")  # a release without `calm_readings`, with the removed `window`
    loaded = SeriesState.from_tuple((*state.to_tuple()[:-1], [1.0]), older)
    assert loaded.calm_readings == 0 and loaded.n == state.n and loaded.profile == state.profile


def _same(fast, slow) -> bool:
    """Same rules, severities and values; bounds to rounding (the closed form and the recursion differ in the
    last bits)."""
    keys = [[(a.rule, a.severity, a.value) for a in reading] for reading in fast]
    if keys != [[(a.rule, a.severity, a.value) for a in reading] for reading in slow]:
        return False
    pairs = zip(
        [b for reading in fast for a in reading for b in (a.expected_low, a.expected_high)],
        [b for reading in slow for a in reading for b in (a.expected_low, a.expected_high)],
        strict=True,
    )
    return all(x == y or (x is not None and y is not None and math.isclose(x, y, rel_tol=1e-9)) for x, y in pairs)


@pytest.mark.parametrize("batch", [17_280, 997, 1])
def test_vectorised_detector_equals_the_stepwise_definition(batch):
    """detect_vectorised (numpy, blocks between clipped readings) against _step on every reading, state too."""
    for s in fleet(2, 4_000, seed=21):
        fast, slow = SeriesState(), SeriesState()
        for start in range(0, len(s.values), batch):
            piece = slice(start, start + batch)
            a = detect_vectorised(fast, s.timestamps[piece], s.values[piece], spec_for(s.metric), Params())
            b = detect_series_stepwise(slow, s.timestamps[piece], s.values[piece], spec_for(s.metric), Params())
            assert _same(a, b), (s.device_id, s.metric, start)
        _same_state(fast, slow)


@pytest.mark.parametrize("alpha", [0.5, 0.97])
def test_vectorised_detector_equals_the_stepwise_definition_with_fast_weights(alpha):
    """Heavy EWMA weights shorten the closed-form blocks (keep**-n would overflow): still the definition."""
    s = fleet(1, 3_000, seed=8, metrics=("vibration",))[0]
    params = Params(alpha=alpha, warmup=10)
    fast, slow = SeriesState(), SeriesState()
    a = detect_vectorised(fast, s.timestamps, s.values, spec_for(s.metric), params)
    b = detect_series_stepwise(slow, s.timestamps, s.values, spec_for(s.metric), params)
    assert _same(a, b) and fast.n == slow.n
    assert fast.mean == pytest.approx(slow.mean, rel=1e-9)


@pytest.mark.parametrize("weight", [{"alpha": 0.0}, {"alpha": 1.0}, {"base_alpha": -0.1}])
def test_params_refuse_an_ewma_weight_outside_0_1(weight):
    with pytest.raises(ValueError, match="an EWMA weight must be between 0 and 1"):
        Params(**weight)


def _same_state(fast: SeriesState, slow: SeriesState) -> None:
    """Every field of the state equal, numbers to rounding (lists element by element)."""
    got_state = fast.to_dict()
    for name, expected in slow.to_dict().items():
        got = got_state[name]
        numbers = isinstance(expected, list) and expected and isinstance(expected[0], float)
        if numbers or (isinstance(expected, float) and not math.isinf(expected)):
            assert got == pytest.approx(expected, rel=1e-9, abs=1e-12, nan_ok=True), name
        else:
            assert got == expected, name


# Small settings so that every rule, the busy-series gate and the time-of-day profile (6 bins a day, speaking
# after 2 visits) all act within a few hundred readings spread over days (counted on 300 such series: every rule
# fires, the time-of-day rule some 400 times, drift some 70).
ADVERSARIAL = Params(
    warmup=5,
    stuck_run=4,
    drift_window=10,
    drift_z=2.0,
    cadence_window=4,
    season_bins=6,
    season_visits=2,
    memory_s=3_600.0,
    busy_exceedances=1.0,
    novelty_margin=1.5,
)


@settings(max_examples=int(os.environ.get("DETECTOR_EXAMPLES", "300")), deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 40) | st.sampled_from([600, 3_600, 14_400, 90_000]),
            st.sampled_from([0.0, 1.0, 1.5, 2.0, 3.0, 5.0, 60.0, 200.0, -50.0]) | st.floats(-100, 300),
        ),
        min_size=1,
        max_size=400,
    ),
    st.integers(1, 64),
)
def test_vectorised_detector_equals_the_stepwise_definition_on_adversarial_series(steps, batch):
    """Jumps, repeats, ratios that tie the busy gate, hard-limit breaches, gaps and days-long series in any mix:
    the same alarms and state as the definition."""
    ts = 1_767_225_600.0 + np.cumsum([float(d) for d, _ in steps])
    values = np.array([v for _, v in steps])
    fast, slow = SeriesState(), SeriesState()
    for start in range(0, len(values), batch):
        piece = slice(start, start + batch)
        a = detect_vectorised(fast, ts[piece], values[piece], spec_for("temperature"), ADVERSARIAL)
        b = detect_series_stepwise(slow, ts[piece], values[piece], spec_for("temperature"), ADVERSARIAL)
        assert _same(a, b)
    _same_state(fast, slow)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(0, 1e7), st.floats(allow_nan=False, allow_infinity=False, width=32)),
        min_size=1,
        max_size=200,
    )
)
def test_detector_never_crashes(readings):
    readings.sort()
    ts = np.array([t for t, _ in readings])
    values = np.array([v for _, v in readings])
    state = SeriesState()
    out = detect_series(state, ts, values, DEFAULT, Params())
    assert len(out) == len(readings)
    assert all(math.isfinite(x) for x in (state.mean, state.base_mean)) or state.n == 0


def test_each_series_learns_its_reporting_interval():
    """The catalog says 10 s; this device reports every 60 s: gaps only while the prior still counts (the first
    readings), then only a real outage, judged against 60 s; a device that slows down stops gapping once half
    its recent intervals are the new one."""
    rng = np.random.default_rng(3)
    ts = np.concatenate([np.arange(200) * 60.0, 12_000 + 900 + np.arange(200) * 60.0])  # a 15-minute outage
    values = 60 + rng.normal(0, 0.3, len(ts))
    found = detect_series(SeriesState(), ts, values, spec_for("temperature"), Params())
    gaps = [i for i, r in enumerate(found) if any(a.rule == "gap" for a in r)]
    assert gaps == [200]
    (gap,) = [a for a in found[200] if a.rule == "gap"]
    assert (gap.value, gap.expected_high, gap.severity) == (960.0, 360.0, "info")
    assert "reports every 60s" in gap.message
    slower = np.concatenate([np.arange(100) * 10.0, 1_000 + np.arange(100) * 120.0])
    found = detect_series(SeriesState(), slower, 60 + rng.normal(0, 0.3, 200), spec_for("temperature"), Params())
    gaps = [i for i, r in enumerate(found) if any(a.rule == "gap" for a in r)]
    assert gaps and max(gaps) <= 100 + Params().cadence_window // 2


def test_stuck_only_in_a_series_that_normally_changes():
    rng = np.random.default_rng(5)
    noisy = 60 + rng.normal(0, 0.3, 400)
    noisy[200:260] = noisy[200]
    found = detect_series(SeriesState(), np.arange(400) * 10.0, noisy, spec_for("temperature"), Params())
    assert [i for i, r in enumerate(found) if any(a.rule == "stuck" for a in r)] == [200 + Params().stuck_run - 1]
    idle = np.zeros(2_000)  # a counter that is mostly 0, with a short burst now and then
    idle[::97] = 5.0
    found = detect_series(SeriesState(), np.arange(2_000) * 10.0, idle, DEFAULT, Params())
    assert not any(a.rule == "stuck" for r in found for a in r)


def test_a_series_whose_spikes_are_its_normal_behaviour_pages_only_beyond_them():
    """Identical spikes every 100 readings: the first ones page, then the series is busy and they stop; a spike
    more than novelty_margin times the largest recent one pages again."""
    rng = np.random.default_rng(7)
    values = 10 + rng.normal(0, 0.2, 3_000)
    values[50::100] += 20.0
    values[2_550] += 60.0  # 3x the usual spike, on top of one
    found = detect_series(SeriesState(), np.arange(3_000) * 60.0, values, DEFAULT, Params())
    paged = [i for i, r in enumerate(found) if r]
    assert paged == [50, 150, 250, 2_550]  # busy after busy_exceedances (2) crossings within the memory


def test_state_stored_by_the_previous_release_still_loads():
    old = {"n": 40, "mean": 60.0, "var": 0.1, "last_ts": 400.0, "last_value": 60.1, "window": [60.0] * 32}
    state = SeriesState.from_dict(old)
    assert state.n == 40 and state.profile == [] and state.season_scores == []
    found = detect_series(state, np.array([410.0, 420.0]), np.array([60.0, 99.0]), spec_for("temperature"), Params())
    assert [a.rule for a in found[1]] == ["ewma_z"] and not found[0]
