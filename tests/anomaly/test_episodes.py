"""Alert episodes: one alert per incident, closed after a hold-off, the same id when a batch is re-run."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anomaly.detector import Anomaly, Params, SeriesState, detect_series
from anomaly.episodes import Episode, EpisodeParams, episode_id, track, track_stepwise
from anomaly.sensor_catalog import spec_for
from anomaly.simulate import fleet

WARN = Anomaly("spike", 0.0, None, None, "warning", "", 0.6)
CRIT = Anomaly("out_of_range", 0.0, None, None, "critical", "", 1.0)
GAP = Anomaly("gap", 900.0, 0.0, 60.0, "info", "", 0.1)
KEY = {"device_id": "press-1", "metric": "temperature", "production_line": "line-1"}


QUICK = EpisodeParams(hold_off_readings=3, hold_off_s=25.0)


def run(state, ts, values, found, params=QUICK):
    return track(
        state, **KEY, timestamps=np.asarray(ts, float), values=np.asarray(values, float), anomalies=found, params=params
    )


def test_one_episode_from_first_alert_until_calm_for_the_hold_off():
    ts = np.arange(12) * 10.0
    values = np.arange(12) + 100.0
    found = [[], [WARN], [], [CRIT, WARN], [], [], [], [], [], [WARN], [], []]
    state = SeriesState()
    (first, second) = run(state, ts, values, found)
    # calm readings at 40, 50, 60: three readings, 30 s since the last alert at 30 -> closed at 60
    assert first == Episode(
        episode_id("press-1", "temperature", 10.0),
        "press-1",
        "temperature",
        "line-1",
        start_ts=10.0,
        end_ts=60.0,
        last_anomaly_ts=30.0,
        peak_severity="critical",
        rules=("out_of_range", "spike"),
        first_value=101.0,
        peak_value=103.0,
        readings=2,
        status="closed",
        score=1.0,
    )
    # the next alert opens a new episode; the batch ends before its hold-off is over
    assert (second.start_ts, second.end_ts, second.status, second.readings) == (90.0, None, "open", 1)
    assert state.episode == second.to_dict() and state.calm_readings == 2


def test_hold_off_needs_both_readings_and_seconds():
    found = [[WARN], [], [], [], []]
    # readings come fast: four calm readings span only 4 s, not 25 s -> still open
    (episode,) = run(SeriesState(), [0.0, 1.0, 2.0, 3.0, 4.0], [1.0] * 5, found)
    assert episode.status == "open"
    # readings come slowly: one calm reading 100 s later is not three readings -> still open
    (episode,) = run(SeriesState(), [0.0, 100.0], [1.0, 1.0], found[:2])
    assert episode.status == "open"


def test_info_anomalies_never_page():
    """A gap is reported when the device is back: a row in the lake, not an alert."""
    state = SeriesState()
    assert run(state, [0.0, 10.0], [1.0, 1.0], [[GAP], []]) == []
    assert state.episode is None
    (episode,) = run(state, [20.0, 30.0], [1.0, 1.0], [[GAP, WARN], []])
    assert episode.rules == ("spike",) and episode.score == 0.6  # the info row is not part of the alert
    paged = run(SeriesState(), [0.0], [1.0], [[GAP]], EpisodeParams(page_severity="info"))
    assert paged[0].rules == ("gap",)


def test_a_restarted_batch_re_derives_the_same_episode():
    """Spark re-runs a batch from the state stored before it: the same records, the same ids."""
    series = fleet(1, 17_280, seed=3, metrics=("temperature",))[0]
    found = detect_series(SeriesState(), series.timestamps, series.values, spec_for("temperature"), Params())
    state = SeriesState()
    cut = 9_000
    run(state, series.timestamps[:cut], series.values[:cut], found[:cut], EpisodeParams())
    stored = json.dumps(state.to_dict())
    first = run(state, series.timestamps[cut:], series.values[cut:], found[cut:], EpisodeParams())
    again = run(
        SeriesState.from_dict(json.loads(stored)),
        series.timestamps[cut:],
        series.values[cut:],
        found[cut:],
        EpisodeParams(),
    )
    assert first == again and first


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 30), st.sampled_from([None, "info", "warning", "critical"])), max_size=120),
    st.lists(st.integers(1, 120), max_size=6),
)
def test_episodes_do_not_depend_on_how_readings_are_batched(readings, cuts):
    """Fed in any micro-batches (the state stored as JSON between them), the same final episodes as in one go."""
    ts = np.cumsum([float(d) for d, _ in readings])
    values = np.arange(len(readings), dtype=float)
    rule = {"info": GAP, "warning": WARN, "critical": CRIT}
    found = [[rule[s]] if s else [] for _, s in readings]
    whole = run(SeriesState(), ts, values, found)
    state, latest = SeriesState(), {}
    bounds = sorted({0, len(readings), *[c for c in cuts if c < len(readings)]})
    for start, stop in itertools.pairwise(bounds):
        state = SeriesState.from_dict(json.loads(json.dumps(state.to_dict())))
        for episode in run(state, ts[start:stop], values[start:stop], found[start:stop]):
            latest[episode.episode_id] = episode
    assert list(latest.values()) == whole
    for episode in whole:  # each alert reading belongs to exactly one episode
        assert episode.readings == sum(
            1
            for t, f in zip(ts, found, strict=True)
            if f and f[0].severity != "info" and episode.start_ts <= t <= episode.last_anomaly_ts
        )


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([0.0, 1.0, 5.0, 10.0, 30.0]),
            st.lists(st.sampled_from(["info", "warning", "critical"]), max_size=3),
        ),
        max_size=80,
    ),
    st.lists(st.integers(1, 80), max_size=5),
    st.integers(1, 4),
    st.sampled_from([0.0, 10.0, 25.0]),
    st.sampled_from(["info", "warning", "critical"]),
)
def test_track_equals_its_stepwise_definition(readings, cuts, hold_readings, hold_s, page):
    """`track` (alert readings only, the end of a hold-off found with numpy) against `track_stepwise` reading by
    reading: the same episodes and the same state after every batch, with episodes open across batches, ties in
    time, several anomalies per reading, readings with none given as a list or left out of a mapping."""
    params = EpisodeParams(hold_off_readings=hold_readings, hold_off_s=hold_s, page_severity=page)
    rule = {"info": GAP, "warning": WARN, "critical": CRIT}
    ts = np.cumsum([step for step, _ in readings])
    values = np.arange(len(readings), dtype=float) * 1.5
    found = [[rule[s] for s in severities] for _, severities in readings]
    fast_list, fast_map, slow = SeriesState(), SeriesState(), SeriesState()
    bounds = sorted({0, len(readings), *[c for c in cuts if c < len(readings)]})
    for start, stop in itertools.pairwise(bounds):
        piece = {"timestamps": ts[start:stop], "values": values[start:stop], "params": params}
        expected = track_stepwise(slow, **KEY, **piece, anomalies=found[start:stop])
        assert track(fast_list, **KEY, **piece, anomalies=found[start:stop]) == expected
        flagged = {i: f for i, f in enumerate(found[start:stop]) if f}
        assert track(fast_map, **KEY, **piece, anomalies=flagged) == expected
        for state in (fast_list, fast_map):
            assert (state.episode, state.calm_readings) == (slow.episode, slow.calm_readings)


def test_track_refuses_anomalies_that_do_not_fit_the_readings():
    with pytest.raises(ValueError, match="anomalies of 1 readings for 2 timestamps"):
        run(SeriesState(), [0.0, 1.0], [1.0, 1.0], [[WARN]])
    with pytest.raises(ValueError, match="anomalies of reading 2 for 2 readings"):
        run(SeriesState(), [0.0, 1.0], [1.0, 1.0], {2: [WARN]})


def test_episode_round_trips_through_json():
    episode = Episode("x", "d", "m", "l", 1.5, None, 2.5, "warning", ("drift", "spike"), 1.0, 2.0, 3, "open")
    assert Episode.from_dict(json.loads(json.dumps(episode.to_dict()))) == episode


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"page_severity": "loud"}, "use one of info, warning, critical"), ({"hold_off_readings": 0}, "at least 1")],
)
def test_episode_params_refuse_nonsense(kwargs, message):
    with pytest.raises(ValueError, match=message):
        EpisodeParams(**kwargs)


def test_score_writes_episodes_instead_of_rows(tmp_path, capsys):
    """A 5-minute export with two incidents: one row per incident, the same ids on a second run."""
    from anomaly.__main__ import main

    rng = np.random.default_rng(2)
    times = 1_767_225_600 + np.arange(2_000) * 300.0
    values = 40 + rng.normal(0, 0.5, 2_000)
    values[800] += 30.0  # a spike
    values[1_500:1_504] += 25.0  # a burst of four readings: one incident, not four
    frame = pd.DataFrame(
        {
            "timestamp": pd.to_datetime(times, unit="s", utc=True).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "value": values,
            "device_id": "press-7",
            "metric": "pressure_kpa",  # not in the catalog: no limits, a 10 s prior it unlearns
            "production_line": "line-2",
        }
    )
    frame.to_csv(tmp_path / "export.csv", index=False)
    args = ["score", "--csv", str(tmp_path / "export.csv"), "--episodes"]
    assert main([*args, "--out", str(tmp_path / "a.csv")]) == 0
    assert "2 alert episode(s) written" in capsys.readouterr().out
    first = pd.read_csv(tmp_path / "a.csv")
    assert list(first["start"]) == [frame["timestamp"][800], frame["timestamp"][1_500]]
    assert set(first["status"]) == {"closed"}
    assert first["readings"][0] == 1 and first["readings"][1] >= 4  # the burst's evidence lingers: one incident
    assert first["rules"][0] == "spike" and "spike" in first["rules"][1].split()
    assert (first["score"] >= Params().threshold).all()
    assert set(first["device_id"]) == {"press-7"} and set(first["production_line"]) == {"line-2"}
    assert main([*args, "--out", str(tmp_path / "b.csv")]) == 0
    assert list(pd.read_csv(tmp_path / "b.csv")["episode_id"]) == list(first["episode_id"])
    rows = ["score", "--csv", str(tmp_path / "export.csv"), "--out", str(tmp_path / "rows.csv")]
    assert main(rows) == 0
    written = pd.read_csv(tmp_path / "rows.csv")
    assert set(written["rule"]) <= {"spike", "level_shift", "noise_burst", "gap"}
    assert (written["score"] >= Params().threshold).all()
