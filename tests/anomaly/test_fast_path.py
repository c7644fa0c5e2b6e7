"""The Spark layer's fast path, end to end, against the definitions it replaces.

What `detect_bucket` runs per series and micro-batch (admit with set operations, `detect`, `track` on the
flagged mapping, the state stored as a pickled field tuple between batches) against the definitions kept in
memory (`admit_stepwise`, `detect_stepwise`, `track_stepwise`, one live `SeriesState`): the same verdicts,
scores, anomalies, episodes and state after every batch, on simulated fleets and on generated adversarial series (ids
that repeat, late readings, jumps, gaps, ties in time), cut into batches on both sides of `SMALL_BATCH`.
"""

from __future__ import annotations

import itertools
import pickle
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anomaly.detector import (
    SMALL_BATCH,
    STATE_FIELDS,
    Params,
    SeriesState,
    admit,
    admit_stepwise,
    detect,
    detect_stepwise,
)
from anomaly.episodes import EpisodeParams, track, track_stepwise
from anomaly.sensor_catalog import spec_for
from anomaly.simulate import fleet, to_events
from tests.anomaly.test_detector import ADVERSARIAL, same, same_state

KEY = {"device_id": "press-1", "production_line": "line-1"}


def _stored(state: SeriesState) -> bytes:
    return pickle.dumps(state.to_tuple(), protocol=5)


def _restore(state: SeriesState) -> SeriesState:
    """Through the bytes the bucket state stores (what RocksDB hands back to the next batch), checked to be the
    same state: stored again, the same bytes (NaN fields included, which `==` cannot compare)."""
    restored = SeriesState.from_tuple(pickle.loads(_stored(state)), STATE_FIELDS)
    assert _stored(restored) == _stored(state)
    return restored


def _rounded(episode):
    """An episode with its score to 9 digits (the vectorised score and the definition's differ in the last bits)."""
    return replace(episode, score=round(episode.score, 9))


def _rounded_dict(episode: dict | None) -> dict | None:
    return None if episode is None else {**episode, "score": round(episode["score"], 9)}


def _run_both(ids, ts, values, metric, cuts, params, episode_params):
    """Feed the same batches to the fast path (state restored from its bytes before each) and to the
    definitions (one state in memory); compare after every batch. Returns what the definitions found."""
    spec = spec_for(metric)
    fast, slow = SeriesState(), SeriesState()
    anomalies = episodes = 0
    bounds = sorted({0, len(values), *[c for c in cuts if 0 < c < len(values)]})
    for start, stop in itertools.pairwise(bounds):
        fast = _restore(fast)
        batch_ids, batch_ts, batch_values = ids[start:stop], ts[start:stop], values[start:stop]
        verdicts = admit(fast, batch_ids, batch_ts, params)
        assert verdicts == admit_stepwise(slow, batch_ids, batch_ts, params)
        keep = np.array([v is None for v in verdicts], dtype=bool)
        t, x = batch_ts[keep], batch_values[keep]
        detection = detect(fast, t, x, spec, params)
        definition = detect_stepwise(slow, t, x, spec, params)
        flagged = detection.flagged
        assert list(flagged) == sorted(flagged) and all(flagged.values())
        same(detection, definition)
        found = definition.per_reading()
        common = {"metric": metric, **KEY, "timestamps": t, "values": x, "params": episode_params}
        got = track(fast, **common, anomalies=flagged)
        expected = track_stepwise(slow, **common, anomalies=found)
        assert [_rounded(e) for e in got] == [_rounded(e) for e in expected], (start, stop)
        assert _rounded_dict(fast.episode) == _rounded_dict(slow.episode) and fast.calm_readings == slow.calm_readings
        same_state(fast, slow)
        anomalies += sum(map(len, found))
        episodes += len(expected)
    return anomalies, episodes


@pytest.mark.parametrize(
    ("batch", "devices", "readings", "episode_params"),
    [
        (1, 1, 600, EpisodeParams()),
        (SMALL_BATCH - 1, 1, 1_500, EpisodeParams(hold_off_readings=2, hold_off_s=0.0)),
        (SMALL_BATCH, 1, 1_500, EpisodeParams(page_severity="critical")),
        (997, 2, 2_500, EpisodeParams(hold_off_readings=20, hold_off_s=7_200.0)),
        (20_000, 2, 2_500, EpisodeParams(page_severity="info")),
    ],
)
def test_the_fast_path_equals_the_definitions_on_a_fleet(batch, devices, readings, episode_params):
    """Every metric of a simulated fleet (each anomaly kind the simulator injects), whole series down to one
    reading per batch: the same anomalies and episodes, and the episodes do open and close."""
    found = episodes = 0
    for series in fleet(devices, readings, seed=31):
        ids = [e["event_id"] for e in to_events(series)]
        cuts = range(batch, len(series.values), batch)
        a, e = _run_both(ids, series.timestamps, series.values, series.metric, cuts, Params(), episode_params)
        found, episodes = found + a, episodes + e
    assert found and episodes  # the comparison covered alerts, not only calm readings


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 3) | st.integers(0, 40) | st.sampled_from([600, 3_600, 90_000]),
            st.sampled_from([0.0, 1.0, 2.0, 5.0, 60.0, 200.0, -50.0]) | st.floats(-100, 300),
            st.sampled_from("abcdefghij") | st.uuids().map(str),
        ),
        min_size=1,
        max_size=300,
    ),
    st.lists(st.integers(1, 300), max_size=6),
    st.integers(1, 8),
    st.sampled_from([0.0, 30.0, 3_600.0]),
    st.sampled_from(["info", "warning", "critical"]),
    st.sampled_from([0.0, 60.0, 7_200.0]),
)
def test_the_fast_path_equals_the_definitions_on_adversarial_series(steps, cuts, hold, hold_s, page, lateness):
    """Generated series with small settings (every rule fires): ids repeated within and across batches, readings
    tied in time or behind the watermark, hard-limit breaches, gaps of a day, any severity paging: verdicts,
    anomalies, episodes and state equal to the definitions after every batch."""
    ts = 1_767_225_600.0 + np.cumsum([float(d) for d, _, _ in steps])
    if lateness:  # some readings arrive late: the batch is in time order, the series is not
        ts = ts - np.array([float(d) * 30 for d, _, _ in steps]) * (np.arange(len(steps)) % 7 == 3)
    order = np.argsort(ts, kind="stable")
    values = np.array([v for _, v, _ in steps])[order]
    ids = [steps[i][2] for i in order.tolist()]
    params = replace(ADVERSARIAL, lateness_s=lateness)
    episode_params = EpisodeParams(hold_off_readings=hold, hold_off_s=hold_s, page_severity=page)
    _run_both(ids, ts[order], values, "temperature", cuts, params, episode_params)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 5_000), st.floats(-1e6, 1e6) | st.sampled_from([0.0, 1.0, 150.0])),
        min_size=1,
        max_size=120,
    )
)
def test_the_stored_tuple_restores_every_state_the_detector_reaches(readings):
    """Whatever state the detector and `track` leave (lists, dicts, an open episode, hard-limit breaches), its
    stored tuple restores the same state (stored again: the same bytes, also through `to_dict`), sharing no
    container with the original."""
    ts = 1_767_225_600.0 + np.cumsum([float(d) for d, _ in readings])
    values = np.array([v for _, v in readings])
    state = SeriesState()
    found = detect_stepwise(state, ts, values, spec_for("pressure"), ADVERSARIAL).per_reading()
    track(state, metric="pressure", **KEY, timestamps=ts, values=values, anomalies=found)
    restored = _restore(state)
    assert _stored(SeriesState.from_dict(restored.to_dict())) == _stored(state)
    for name in STATE_FIELDS:
        value = getattr(state, name)
        if isinstance(value, list | dict) and value:
            assert getattr(restored, name) is not value, name
