"""The pure detector: the score's parts and their behaviour, and the vectorised path held equal to the stepwise
definition."""

from __future__ import annotations

import json
import math
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anomaly.detector import (
    CARRIED,
    MODEL,
    STATE_FIELDS,
    Detection,
    Params,
    SeriesState,
    admit,
    admit_stepwise,
    detect,
    detect_stepwise,
    detect_vectorised,
    median,
)
from anomaly.sensor_catalog import DEFAULT, spec_for
from anomaly.simulate import Injection, Scenario, fleet, shift_fleet, simulate
from anomaly.surprise import neglog_tail, neglog_tail_array


def same(fast: Detection, slow: Detection) -> None:
    """The same scores (to rounding: closed forms and recursions differ in the last bits), the same reasons, the
    same anomalies (reason, severity, value; bounds and scores to rounding)."""
    assert fast.scores == pytest.approx(slow.scores, rel=1e-9, abs=1e-12)
    assert fast.reasons == slow.reasons
    keys = {i: [(a.rule, a.severity, a.value) for a in found] for i, found in fast.flagged.items()}
    assert keys == {i: [(a.rule, a.severity, a.value) for a in found] for i, found in slow.flagged.items()}
    for i, found in fast.flagged.items():
        for a, b in zip(found, slow.flagged[i], strict=True):
            assert a.score == pytest.approx(b.score, rel=1e-9, abs=1e-12)
            for x, y in ((a.expected_low, b.expected_low), (a.expected_high, b.expected_high)):
                assert x == y or (x is not None and y is not None and math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9))


def same_state(fast: SeriesState, slow: SeriesState) -> None:
    """Every field of the state equal, numbers to rounding (lists element by element)."""
    got_state = fast.to_dict()
    for name, expected in slow.to_dict().items():
        got = got_state[name]
        numbers = isinstance(expected, list) and expected and isinstance(expected[0], float)
        if numbers or (isinstance(expected, float) and not math.isinf(expected)):
            assert got == pytest.approx(expected, rel=1e-9, abs=1e-12, nan_ok=True), name
        else:
            assert got == expected, name


@pytest.mark.parametrize("batch", [17_280, 997, 1])
def test_vectorised_detector_equals_the_stepwise_definition(batch):
    """detect_vectorised (numpy: closed forms between clipped readings, Lindley's recursion, the calibration where
    a statistic exceeds ln 10) against _step on every reading, state too, on every kind the simulator injects."""
    for s in fleet(2, 4_000, seed=21):
        fast, slow = SeriesState(), SeriesState()
        for start in range(0, len(s.values), batch):
            piece = slice(start, start + batch)
            a = detect_vectorised(fast, s.timestamps[piece], s.values[piece], spec_for(s.metric), Params())
            b = detect_stepwise(slow, s.timestamps[piece], s.values[piece], spec_for(s.metric), Params())
            same(a, b)
        same_state(fast, slow)
        assert fast.n > 1_000 and any(slow.calibration)  # the calibration took part


# Small settings so that every part acts within a few hundred readings spread over days: the profile (6 bins a
# day, speaking after 2 visits), the calibration (forgets within hours; its weights rebased after 300 time
# constants), the stuck run, the warm-up.
ADVERSARIAL = Params(
    warmup=5,
    stuck_min=2,
    cadence_window=4,
    season_bins=6,
    season_visits=2,
    memory_days=0.01,
    deductible=1.0,
    calibration_bins=6,
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
    """Jumps, repeats, hard-limit breaches, readings tied in time, gaps of a day, days-long series in any mix and
    any batching: the same scores, reasons, anomalies and state as the definition."""
    ts = 1_767_225_600.0 + np.cumsum([float(d) for d, _ in steps])
    values = np.array([v for _, v in steps])
    fast, slow = SeriesState(), SeriesState()
    for start in range(0, len(values), batch):
        piece = slice(start, start + batch)
        a = detect_vectorised(fast, ts[piece], values[piece], spec_for("temperature"), ADVERSARIAL)
        b = detect_stepwise(slow, ts[piece], values[piece], spec_for("temperature"), ADVERSARIAL)
        same(a, b)
    same_state(fast, slow)


@pytest.mark.parametrize("make", ["fleet", "shifts"])
def test_the_same_scores_when_fed_in_micro_batches_through_json(make):
    """What Spark does: the state stored as JSON between micro-batches (cadence, profile, calibration, episode):
    the same scores as one pass, for smooth cycles and for shift steps over two weeks (profiles that speak)."""
    made = {"fleet": lambda: fleet(1, 17_280, seed=5, metrics=("temperature",)), "shifts": lambda: shift_fleet(1, 14)}
    series = made[make]()[0]
    spec = spec_for(series.metric)
    whole_state = SeriesState()
    whole = detect(whole_state, series.timestamps, series.values, spec, Params())
    state, scores, reasons = SeriesState(), [], []
    for start in range(0, len(series.values), 997):
        stop = start + 997
        state = SeriesState.from_dict(json.loads(json.dumps(state.to_dict())))
        piece = detect(state, series.timestamps[start:stop], series.values[start:stop], spec, Params())
        scores.append(piece.scores)
        reasons += piece.reasons
    assert np.concatenate(scores) == pytest.approx(whole.scores, rel=1e-9, abs=1e-12)
    assert reasons == whole.reasons
    assert (whole.scores >= Params().threshold).sum() >= 4 and max(state.visits) >= (3 if make == "shifts" else 1)
    same_state(state, whole_state)


def test_scores_are_in_0_1_and_physics_scores_1():
    state = SeriesState()
    ts = np.arange(200) * 10.0
    values = 60 + np.sin(np.arange(200) / 7) * 0.3
    values[120] = 200.0  # above the catalog's 150
    values[160] = 0.0  # a fall of 60 in 10 s: the catalog's plausible rate is 5/s
    d = detect(state, ts, values, spec_for("temperature"), Params())
    assert ((d.scores >= 0) & (d.scores <= 1)).all()
    (hard,) = d.flagged[120]
    assert (hard.rule, hard.value, hard.expected_low, hard.expected_high, hard.severity, hard.score) == (
        "out_of_range",
        200.0,
        -40.0,
        150.0,
        "critical",
        1.0,
    )
    rate = d.flagged[160][0]
    assert (rate.rule, rate.severity, rate.score) == ("spike", "critical", 1.0) and "plausible" in rate.message
    assert d.scores[:30].max() == 0.0  # the warm-up is not scored


def test_a_spike_on_a_clean_series_alerts_and_explains_itself():
    s = simulate(Scenario(cycle=6.7, seed=3, injections=(Injection("spike", 8.0, 60.0, 20 * 3600.0),)))
    d = detect(SeriesState(), s.timestamps, s.values, spec_for(s.metric), Params())
    (_, first, _) = s.injected[0]
    i = int(np.searchsorted(s.timestamps, first))
    (alert,) = d.flagged[i]
    assert alert.rule == "spike" and alert.score >= Params().threshold and alert.severity in ("warning", "critical")
    assert not alert.expected_low <= alert.value <= alert.expected_high
    assert alert.expected_high - alert.expected_low < 20 and "deviations from the expected" in alert.message
    others = [k for k in d.flagged if k != i and s.timestamps[k] >= s.timestamps[0] + 12 * 3600]
    assert others == []  # nothing else alerts after the warm-up


def test_a_level_shift_accumulates_evidence():
    """A shift of 5 noise deviations for half an hour: a single reading of it is borderline (p ~ 6e-7: at a
    1-minute cadence about once in 1,000 days, the threshold), the CUSUM's evidence grows with each reading of it,
    and the alerts say level_shift."""
    s = simulate(Scenario(seed=4, injections=(Injection("level_shift", 5.0, 1800.0, 30 * 3600.0),)))
    d = detect(SeriesState(), s.timestamps, s.values, spec_for(s.metric), Params())
    (_, first, last) = s.injected[0]
    inside = np.flatnonzero((s.timestamps >= first) & (s.timestamps <= last))
    alerts = inside[d.scores[inside] >= Params().threshold]
    assert len(alerts) >= 10 and alerts[0] <= inside[0] + 5
    assert {d.reasons[i] for i in alerts} >= {"level_shift"}
    assert d.scores[inside[10]] > d.scores[inside[0]]


def test_a_series_whose_spikes_are_normal_stops_paging_for_them_but_not_for_a_record():
    """The calibration: the same spike every two hours alerts the first few times (up to `deductible` earlier
    ones), then is the series' normal behaviour; a spike twice as large is a new size and alerts again."""
    rng = np.random.default_rng(8)
    n = 3 * 1_440
    values = 50 + rng.normal(0, 1, n)
    spikes = np.arange(12 * 60, n, 120)
    values[spikes] += 10.0
    values[n - 30] += 30.0
    d = detect(SeriesState(), 1_767_225_600.0 + np.arange(n) * 60.0, values, DEFAULT, Params())
    alerting = [bool(d.scores[i] >= Params().threshold) for i in spikes]
    assert alerting[:2] == [True, True] and sum(alerting[10:]) <= 2  # a size class rarely reached may still page
    assert d.scores[n - 30] >= Params().threshold


def test_gap_stuck_and_the_shift_of_a_quiet_counter():
    rng = np.random.default_rng(1)
    ts = np.concatenate([np.arange(100) * 10.0, 5_000 + np.arange(100) * 10.0])
    values = np.concatenate([60 + rng.normal(0, 0.3, 100), np.full(100, 61.0)])
    d = detect(SeriesState(), ts, values, spec_for("temperature"), Params())
    rules = [a.rule for found in d.flagged.values() for a in found]
    assert rules.count("gap") == 1 and "stuck" in rules
    (gap,) = [a for a in d.flagged[100] if a.rule == "gap"]
    assert (gap.severity, gap.value) == ("info", 4010.0)
    idle = np.zeros(2_000)  # a counter that is mostly 0, with a short burst now and then: never stuck
    idle[::97] = 5.0
    found = detect(SeriesState(), np.arange(2_000) * 10.0, idle, DEFAULT, Params())
    assert not any(a.rule == "stuck" for f in found.flagged.values() for a in f)


def test_each_series_learns_its_reporting_interval():
    """The catalog says 10 s; this device reports every 60 s: no gap at the first readings (the series outvotes
    the prior at once), only at a real outage, judged against 60 s."""
    rng = np.random.default_rng(3)
    ts = np.concatenate([np.arange(200) * 60.0, 12_000 + 900 + np.arange(200) * 60.0])  # a 15-minute outage
    d = detect(SeriesState(), ts, 60 + rng.normal(0, 0.3, len(ts)), spec_for("temperature"), Params())
    gaps = [i for i, found in d.flagged.items() if any(a.rule == "gap" for a in found)]
    assert gaps == [200]
    (gap,) = [a for a in d.flagged[200] if a.rule == "gap"]
    assert (gap.value, gap.expected_high) == (960.0, 360.0) and "reports every 60s" in gap.message


def test_an_hourly_series_is_not_a_gap_at_its_first_readings():
    """The issue's symptom: an hourly NAB series scored against the catalog's 10 s reported its first readings
    as gaps ("no reading for 3600s (reports every 10s)")."""
    ts = 1_400_000_000.0 + np.arange(300) * 3_600.0
    d = detect(SeriesState(), ts, 10 + np.sin(np.arange(300) / 5), spec_for("temperature"), Params())
    assert not any(a.rule == "gap" for found in d.flagged.values() for a in found)


def test_missed_shifts_and_night_runs_are_unusual_for_the_time_of_day():
    """Machines in shifts: after the profile has learned (3 visits of each hour), the daily steps are expected
    and page nothing; a missed shift and a night run are found."""
    from anomaly.grading import grade_simulated

    quality = grade_simulated(shift_fleet(3, 28, seed=5), warmup_s=4 * 86_400.0)
    assert quality.recall == {"missed_shift": 1.0, "night_run": 1.0}
    assert quality.false_per_day <= 0.1


def test_admit_refuses_duplicates_and_late_readings():
    params, state = Params(lateness_s=600), SeriesState()
    assert admit(state, ["a", "a"], np.array([1000.0, 1000.0]), params) == [None, "duplicate event_id"]
    assert admit(state, ["a"], np.array([1000.0]), params) == ["duplicate event_id"]
    assert admit(state, ["c", "b"], np.array([300.0, 900.0]), params)[1] is None
    late = admit(state, ["c"], np.array([300.0]), params)[0]
    assert late.startswith("late: 700s behind")
    admit(state, [f"x{i}" for i in range(300)], 2000.0 + np.arange(300.0), params)
    assert "a" not in state.recent_ids and "b" not in state.recent_ids
    assert len(state.recent_ids) == 300 and state.prune_at >= 256 and state.max_ts == 2299.0


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.lists(st.tuples(st.sampled_from("abcdefgh"), st.integers(0, 2000)), max_size=40), max_size=5),
    st.sampled_from([0.0, 100.0, 600.0]),
)
def test_admit_with_set_operations_equals_the_loop(batches, lateness):
    params = Params(lateness_s=lateness)
    fast, slow = SeriesState(prune_at=4), SeriesState(prune_at=4)
    for batch in batches:
        readings = sorted(batch, key=lambda r: r[1])
        ids, ts = [f"{i}{t // 500}" for i, t in readings], np.array([float(t) for _, t in readings])
        assert admit(fast, ids, ts, params) == admit_stepwise(slow, ids, ts, params)
        assert (fast.recent_ids, fast.max_ts, fast.prune_at) == (slow.recent_ids, slow.max_ts, slow.prune_at)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(st.floats(allow_nan=True), st.sampled_from([0.5, 10.0, 10.0, 60.0])), max_size=40))
def test_median_is_numpys_exactly(values):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = float(np.median(values))
    got = median(values)
    assert got == expected or (math.isnan(got) and math.isnan(expected)), (values, got, expected)


@pytest.mark.parametrize("z", [0.0, 0.3, 1.0, 2.5, 4.0, 6.0, 8.0, 12.0, 20.0, 30.0])
def test_the_tail_probability_is_the_normal_one(z):
    """-ln P(|Z| >= z) against math.erfc (fractional error of p below 1.2e-7), the same in numpy."""
    exact = -math.log(math.erfc(z / math.sqrt(2)))
    assert neglog_tail(z) == pytest.approx(exact, abs=2e-7 + 1e-7 * exact)
    assert neglog_tail_array(np.array([z, -z])).tolist() == [neglog_tail(z)] * 2
    assert neglog_tail(math.inf) == math.inf and neglog_tail(1e200) > 1e300


def test_state_round_trips_through_its_tuple_and_a_state_of_another_model_keeps_only_what_carries():
    import pickle

    series = fleet(1, 6_000, seed=12, metrics=("temperature",))[0]
    spec, cut = spec_for(series.metric), 4_000
    state = SeriesState()
    detect(state, series.timestamps[:cut], series.values[:cut], spec, Params())
    state.episode = {"episode_id": "e", "rules": ["spike"]}
    restored = SeriesState.from_tuple(pickle.loads(pickle.dumps(state.to_tuple(), protocol=5)), STATE_FIELDS)
    assert restored == state and restored.profile is not state.profile
    rest = (series.timestamps[cut:], series.values[cut:], spec, Params())
    same(detect(restored, *rest), detect(state, *rest))
    older = {**{k: v for k, v in state.to_dict().items() if k != "model"}, "window": [1.0], "ewma": 3.0}
    loaded = SeriesState.from_dict(older)  # a release before the scoring model (no `model` field)
    assert loaded.n == 0 and loaded.profile == [] and loaded.model == MODEL
    assert all(getattr(loaded, name) == getattr(state, name) for name in CARRIED)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"alpha": 0.0}, "an EWMA weight"),
        ({"scale_slow": 1.0}, "an EWMA weight"),
        ({"threshold": 0.95, "critical": 0.9}, "threshold <= critical"),
        ({"memory_days": 0}, "must be positive"),
        ({"noise_ratio": 1.0}, "more than 1"),
        ({"warmup": 0}, "1 or more"),
    ],
)
def test_params_refuse_nonsense(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Params(**kwargs)


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
    d = detect(SeriesState(), ts, values, DEFAULT, Params())
    assert len(d.scores) == len(readings) and ((d.scores >= 0) & (d.scores <= 1)).all()
