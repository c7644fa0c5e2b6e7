"""The PySpark layer on local Spark: validation, conservation, state across batches, restarts without duplicates."""

from __future__ import annotations

import itertools
import json
import os
import pickle
import random
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anomaly.__main__ import run_local
from anomaly.aurora import batch_metrics
from anomaly.detector import Params, SeriesState, admit, detect_series
from anomaly.episodes import track
from anomaly.event_schema import EPISODE_COLUMNS
from anomaly.sensor_catalog import spec_for
from anomaly.simulate import fleet, to_events
from tests.anomaly.conftest import read_table, write_lines
from tests.anomaly.fuzzing import check_inputs, generate_input, one_input

GOOD = {
    "event_id": "evt-00000001",
    "device_id": "press-0001",
    "production_line": "line-1",
    "metric": "temperature",
    "value": 61.5,
    "unit": "degC",
    "event_ts": "2026-01-01T00:00:00.000Z",
    "seq": 1,
}


def reasons(spark, lines: list[str]) -> list[str | None]:
    from anomaly.pipeline import parse

    frame = spark.createDataFrame([(line,) for line in lines], "data string")
    return [row["reason"] for row in parse(frame).collect()]


def test_parse_names_what_is_wrong(spark):
    found = reasons(
        spark,
        [
            json.dumps(GOOD),
            "{not json",
            json.dumps({k: v for k, v in GOOD.items() if k != "metric"}),
            json.dumps({**GOOD, "value": "hot"}),
            json.dumps({**GOOD, "seq": "first"}),
            json.dumps({**GOOD, "event_ts": "yesterday"}),
            json.dumps({**GOOD, "device_id": "bad id!"}),
            json.dumps({**GOOD, "event_id": "short"}),
            "[1, 2, 3]",
            json.dumps({**GOOD, "value": "12.5"}),
            json.dumps({**GOOD, "seq": 1.5}),
            json.dumps({**GOOD, "seq": -1}),
            json.dumps({**GOOD, "unit": "u" * 17, "firmware": "f" * 33}),
            json.dumps({**GOOD, "value": 1e400}),
            json.dumps({**GOOD, "value": float("nan")}),
            json.dumps({**GOOD, "value": 12, "firmware": "", "extra": {"nested": [1]}}),
        ],
    )
    assert found[0] is None
    assert found[1] == "bad JSON"
    assert found[2] == "missing field metric"
    assert "value is not a number" in found[3]
    assert found[4] == "seq is not an integer"
    assert found[5] == "event_ts is not an ISO 8601 time"
    assert found[6].startswith("device_id does not match")
    assert found[7] == "event_id too short"
    assert found[8].startswith("bad JSON")
    assert found[9] == "a field has the wrong JSON type (value must be a number, seq an integer)"
    assert found[10] == "seq is not an integer"
    assert found[11] == "seq below 0"
    assert found[12] == "unit too long; firmware too long"
    assert found[13] == found[14] == "value is not a number"
    assert found[15] is None  # an integer value, an empty firmware and extra properties are all valid


def test_quarantined_records_keep_their_ids_when_a_field_has_the_wrong_type(spark):
    from anomaly.pipeline import parse

    frame = spark.createDataFrame([(json.dumps({**GOOD, "value": "hot"}),)], "data string")
    row = parse(frame).collect()[0]
    assert (row["event_id"], row["device_id"], row["metric"], row["value"]) == (
        GOOD["event_id"],
        GOOD["device_id"],
        GOOD["metric"],
        None,
    )


def test_event_times_are_read_as_utc_in_every_iso_form(spark):
    from anomaly.pipeline import parse

    forms = ["2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00Z", "2026-01-01T02:00:00+02:00", "2026-01-01 00:00:00"]
    frame = spark.createDataFrame([(json.dumps({**GOOD, "event_ts": f}),) for f in forms], "data string")
    rows = parse(frame).selectExpr("unix_micros(event_ts) AS us", "reason").collect()
    assert [(r["us"], r["reason"]) for r in rows] == [(1_767_225_600_000_000, None)] * len(forms)
    spark.conf.set("spark.sql.session.timeZone", "Europe/Berlin")
    try:
        with pytest.raises(ValueError, match=r"set spark\.sql\.session\.timeZone to UTC"):
            parse(frame)
    finally:
        spark.conf.set("spark.sql.session.timeZone", "UTC")


def _events(devices=2, readings=600, seed=4):
    return [e for s in fleet(devices, readings, seed=seed) for e in to_events(s)]


def _counts(spark, out: Path) -> tuple[int, int, int]:
    curated = read_table(spark, out / "curated")
    anomalies = read_table(spark, out / "anomalies")
    quarantine = read_table(spark, out / "quarantine", "json")
    return tuple(0 if t is None else t.count() for t in (curated, anomalies, quarantine))


def test_nothing_is_lost_and_anomalies_land(spark, tmp_path):
    events = _events()
    junk = ["{", json.dumps({**GOOD, "value": None}), json.dumps(events[3]), "", json.dumps({"x": 1})]
    lines = [json.dumps(e) for e in events] + junk
    random.Random(2).shuffle(lines)
    write_lines(tmp_path / "in" / "a.jsonl", lines)
    delivered, episodes = [], []  # what the Glue job upserts into Aurora: the same rows as the lake tables

    def on_alerts(anomaly_rows, episode_records):
        delivered.extend(anomaly_rows)
        episodes.extend(episode_records)

    totals = run_local(tmp_path / "in", tmp_path / "out", spark=spark, on_alerts=on_alerts)
    curated, anomalies, quarantined = _counts(spark, tmp_path / "out")
    assert totals["records"] == len(lines) == curated + quarantined
    assert curated == len(events) and quarantined == len(junk)
    assert anomalies == totals["anomalies"] > 0
    rows = read_table(spark, tmp_path / "out" / "anomalies").collect()
    assert sorted((r["event_id"], r["rule"]) for r in rows) == sorted((d["event_id"], d["rule"]) for d in delivered)
    assert {r["rule"] for r in rows} >= {"out_of_range"} and all(r["severity"] for r in rows)
    assert all(0 <= r["score"] <= 1 for r in rows)
    partitions = {p.name.split("=")[0] for p in (tmp_path / "out" / "curated").iterdir() if "=" in p.name}
    assert partitions == {"event_date"}
    quarantine = read_table(spark, tmp_path / "out" / "quarantine", "json").collect()
    assert {r["reason"] for r in quarantine} >= {"bad JSON", "duplicate event_id", "empty record"}
    lake_episodes = read_table(spark, tmp_path / "out" / "episodes").collect()
    assert sorted(e["episode_id"] for e in lake_episodes) == sorted(e["episode_id"] for e in episodes)
    assert 0 < totals["episodes_opened"] == len(episodes) < totals["anomalies"]  # one batch: each opened here
    assert all(e["start_ts"] <= e["last_anomaly_ts"] for e in episodes)
    # The catalog table infra/ declares (anomaly.event_schema.EPISODE_COLUMNS) is what the job writes.
    written = read_table(spark, tmp_path / "out" / "episodes").schema
    declared = [(name, glue_type) for name, glue_type, _ in EPISODE_COLUMNS if name != "start_date"]
    assert [(f.name, f.dataType.simpleString()) for f in written.fields if f.name != "start_date"] == declared
    assert "start_date" in written.fieldNames()  # the partition (a folder name: the catalog reads it as a string)


def test_micro_batches_of_files_and_a_single_file_beside_other_folders(spark, tmp_path):
    events = _events(devices=1, readings=300)
    write_lines(tmp_path / "in" / "1.jsonl", events[: len(events) // 2])
    write_lines(tmp_path / "in" / "2.jsonl", events[len(events) // 2 :])
    totals = run_local(tmp_path / "in", tmp_path / "out", spark=spark, files_per_batch=1)
    assert (totals["batches"], totals["records"], totals["curated"]) == (2, len(events), len(events))
    # One file picked out of a folder that also holds a partitioned table (here: the output just written).
    shutil.copy(tmp_path / "in" / "1.jsonl", tmp_path / "out" / "again.jsonl")
    again = run_local(tmp_path / "out" / "again.jsonl", tmp_path / "out2", spark=spark)
    assert again["records"] == len(events) // 2


def test_state_survives_batches_and_late_events_are_quarantined(spark, tmp_path):
    events = _events(devices=1, readings=400)
    first = [e for e in events if e["seq"] < 200]  # every series split in time across two micro-batches
    second = [e for e in events if e["seq"] >= 200]
    late = {**first[0], "event_id": "late-event-0001"}  # ~33 min older than its series' newest reading
    replay = first[199]  # the newest reading of its series, sent again: inside the watermark, a duplicate
    write_lines(tmp_path / "in" / "1.jsonl", first)
    run_local(tmp_path / "in", tmp_path / "out", spark=spark)
    write_lines(tmp_path / "in" / "2.jsonl", [*second, replay, late])
    totals = run_local(tmp_path / "in", tmp_path / "out", spark=spark)
    assert totals["batches"] == 1 and totals["records"] == len(second) + 2  # only the new file was read
    curated, _, quarantined = _counts(spark, tmp_path / "out")
    assert curated == len(events) and quarantined == 2
    reasons_found = {
        r["reason"].split(":")[0] for r in read_table(spark, tmp_path / "out" / "quarantine", "json").collect()
    }
    assert reasons_found == {"late", "duplicate event_id"}


def _last_commit(checkpoint: Path) -> Path:
    return max((checkpoint / "commits").iterdir(), key=lambda p: int(p.name) if p.name.isdigit() else -1)


@pytest.mark.parametrize("crash_point", ["after_sink_commit", "mid_sink", "between_marker_and_staging_delete"])
def test_restart_from_checkpoint_writes_no_duplicates(spark, tmp_path, crash_point):
    events = _events(devices=1, readings=300)
    write_lines(tmp_path / "in" / "a.jsonl", events)
    runs: list[list[dict]] = []
    first = run_local(tmp_path / "in", tmp_path / "out", spark=spark, on_alerts=lambda _, eps: runs.append(eps))
    before = _counts(spark, tmp_path / "out")
    episodes_before = read_table(spark, tmp_path / "out" / "episodes").count()
    # Simulate a crash after the sink wrote but before Spark committed the batch: Spark re-runs that batch.
    commit = _last_commit(tmp_path / "out" / "_checkpoint")
    commit.unlink()
    (commit.parent / f".{commit.name}.crc").unlink(missing_ok=True)  # Hadoop's checksum companion
    if crash_point == "mid_sink":  # and the sink itself had not finished: no commit markers were written
        for marker in (tmp_path / "out").glob("*/_committed/*"):
            marker.unlink()
    if crash_point == "between_marker_and_staging_delete":  # each table committed, its staging folder not deleted
        for marker in (tmp_path / "out").glob("*/_committed/*"):
            leftover = marker.parent.parent / "_staging" / marker.name / "event_date=2026-01-01"
            leftover.mkdir(parents=True)
            (leftover.parent / "_SUCCESS").touch()
    replay = run_local(tmp_path / "in", tmp_path / "out", spark=spark, on_alerts=lambda _, eps: runs.append(eps))
    assert _counts(spark, tmp_path / "out") == before
    assert not list((tmp_path / "out").glob("*/_staging/batch*"))  # the replay removed what the crash left
    # The metrics that page: a replayed batch whose episodes write was skipped as committed opens and closes
    # nothing; one whose write had not committed (a crash mid-sink) counts what it writes, once.
    paged = ("episodes_opened", "episodes_closed")
    assert first["episodes_opened"] > 0 and replay["batches"] == 1
    if crash_point != "mid_sink":
        assert [replay[k] for k in paged] == [0, 0]
        metrics = {m["MetricName"]: m["Value"] for m in batch_metrics("job", replay, 1.0)}
        assert metrics["EpisodesOpened"] == metrics["EpisodesClosed"] == 0.0
    else:
        assert [replay[k] for k in paged] == [first[k] for k in paged]
    curated = read_table(spark, tmp_path / "out" / "curated")
    assert curated.select("event_id").distinct().count() == curated.count() == len(events)
    # The re-run batch re-derives the very same episodes (ids and records): the upsert by id opens none twice.
    same = [sorted(({k: v for k, v in e.items() if k != "detected_ts"} for e in run), key=str) for run in runs]
    assert len(runs) == 2 and runs[0] and same[1] == same[0]
    assert read_table(spark, tmp_path / "out" / "episodes").count() == episodes_before == len(runs[0])


# >= 200 generated inputs per test run, all in one Spark run (a run per input costs seconds), each checked on its
# own; a new seed every run (FUZZ_SEED=<n> repeats one). bench/fuzz_pipeline.py runs 5,000.
FUZZ_INPUTS = 240


def test_fuzzed_inputs_never_crash_and_each_loses_nothing(spark, tmp_path):
    seed = int(os.environ.get("FUZZ_SEED", random.SystemRandom().randrange(2**32)))
    rng = random.Random(seed)
    inputs = [generate_input(rng) for _ in range(FUZZ_INPUTS)]
    try:
        totals = check_inputs(spark, inputs, tmp_path / "fuzz")
    except AssertionError as error:
        raise AssertionError(f"FUZZ_SEED={seed}: {error}") from None
    assert totals["inputs"] == FUZZ_INPUTS >= 200
    assert totals["events"] + totals["quarantined"] == totals["lines"]
    # The generator reaches every path: valid and broken events, the detector's alarms and alert episodes.
    assert totals["events"] > totals["lines"] / 3 and totals["quarantined"] > totals["lines"] / 10, (seed, totals)
    assert totals["anomalies"] > 0 and totals["episodes"] > 0, (seed, totals)


@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
@given(inputs=st.lists(one_input, min_size=1, max_size=8))
def test_hypothesis_inputs_never_crash_and_each_loses_nothing(spark, tmp_path_factory, inputs):
    totals = check_inputs(spark, inputs, tmp_path_factory.mktemp("hypothesis") / "fuzz")
    assert totals["events"] + totals["quarantined"] == totals["lines"]


def test_fuzzed_lines_through_the_stream_and_the_sinks_all_land(spark, tmp_path):
    rng = random.Random(int(os.environ.get("FUZZ_SEED", 7)))
    inputs = [generate_input(rng) for _ in range(20)]
    root = tmp_path
    for i, lines in enumerate(inputs):
        write_lines(root / "in" / f"{i:03d}.jsonl", lines)
    totals = run_local(root / "in", root / "out", spark=spark, files_per_batch=7)
    curated, _, quarantined = _counts(spark, root / "out")
    assert totals["records"] == curated + quarantined == sum(len(lines) for lines in inputs)
    shutil.rmtree(root, ignore_errors=True)


def _micros(text: str) -> int:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


def test_the_job_reports_exactly_what_the_detector_and_episodes_find_series_by_series(spark, tmp_path):
    """The bucketed state operator (many series per call and per state row, shuffled rows, micro-batches) against
    the pure functions run series by series over the same micro-batches: the same anomalies, the same episodes."""
    series = fleet(4, 900, seed=21)
    events = {(s.device_id, s.metric): to_events(s) for s in series}
    cuts = (0, 250, 600, 900)  # every series split across three micro-batches, one file each
    for n, (start, stop) in enumerate(itertools.pairwise(cuts)):
        lines = [e for evs in events.values() for e in evs if start <= e["seq"] < stop]
        random.Random(n).shuffle(lines)
        write_lines(tmp_path / "in" / f"{n}.jsonl", lines)
    delivered = {"anomalies": [], "episodes": []}

    def on_alerts(anomaly_rows, episode_records):
        delivered["anomalies"].extend(anomaly_rows)
        delivered["episodes"].extend(episode_records)

    totals = run_local(tmp_path / "in", tmp_path / "out", spark=spark, on_alerts=on_alerts, files_per_batch=1)
    assert totals["batches"] == 3
    expected_anomalies, expected_episodes = set(), {}
    for (device, metric), evs in events.items():
        state = SeriesState()
        for start, stop in itertools.pairwise(cuts):
            chunk = [e for e in evs if start <= e["seq"] < stop]
            ts = np.array([_micros(e["event_ts"]) for e in chunk], dtype=float) / 1e6
            values = np.array([e["value"] for e in chunk])
            assert admit(state, [e["event_id"] for e in chunk], ts, Params()) == [None] * len(chunk)
            found = detect_series(state, ts, values, spec_for(metric), Params())
            for e, anomalies in zip(chunk, found, strict=True):
                expected_anomalies |= {
                    (e["event_id"], a.rule, a.severity, a.message, a.expected_low) for a in anomalies
                }
            line = chunk[0]["production_line"]
            for episode in track(
                state,
                device_id=device,
                metric=metric,
                production_line=line,
                timestamps=ts,
                values=values,
                anomalies=found,
            ):
                expected_episodes[episode.episode_id] = episode
    got = {(a["event_id"], a["rule"], a["severity"], a["message"], a["expected_low"]) for a in delivered["anomalies"]}
    assert got == expected_anomalies and len(delivered["anomalies"]) == len(expected_anomalies) > 0
    latest = {e["episode_id"]: e for e in delivered["episodes"]}  # batches arrive in order: the last record wins
    assert set(latest) == set(expected_episodes) and expected_episodes
    for episode_id, episode in expected_episodes.items():
        record = latest[episode_id]
        assert (record["status"], record["readings"], record["peak_severity"], tuple(record["rules"])) == (
            episode.status,
            episode.readings,
            episode.peak_severity,
            episode.rules,
        )
        assert record["start_ts"] == round(episode.start_ts * 1e6)
        assert record["end_ts"] == (None if episode.end_ts is None else round(episode.end_ts * 1e6))
    assert totals["episodes_opened"] == len(expected_episodes)  # one page per incident, however long it lasts


class _State:
    """GroupState as applyInPandasWithState hands it to the function (exists / get / update)."""

    def __init__(self, value=None):
        self.value = value

    @property
    def exists(self):
        return self.value is not None

    @property
    def get(self):
        return self.value

    def update(self, value):
        self.value = value


def _detector_rows(series) -> list[dict]:
    """The series' events as the state operator receives them (valid: no reason, no raw text)."""
    from anomaly.pipeline import TS

    return [
        {**e, TS: _micros(e["event_ts"]), "reason": None, "raw": None, "firmware": None}
        for s in series
        for e in to_events(s)
    ]


def test_one_bucket_call_covers_many_series_and_keeps_their_state_apart():
    import pandas as pd

    from anomaly.pipeline import DETECTED_COLUMNS, DETECTOR_INPUT, detect_bucket

    series = fleet(3, 400, seed=2, metrics=("temperature", "rpm"))
    rows = _detector_rows(series)
    rows.append({**rows[5], "event_id": "x" * 12})  # same reading, new id: admitted
    rows.append(dict(rows[7]))  # the same event again: a duplicate
    rows.append({name: None for name in DETECTOR_INPUT} | {"reason": "bad JSON", "raw": "{"})  # invalid: passes
    frame = pd.DataFrame(rows)[DETECTOR_INPUT].sample(frac=1.0, random_state=3).reset_index(drop=True)
    state = _State()
    (out,) = detect_bucket((0,), iter([frame.iloc[:700], frame.iloc[700:]]), state, buckets=8)
    assert list(out.columns) == DETECTED_COLUMNS
    kinds = out["kind"].value_counts().to_dict()
    assert kinds["event"] == len(rows) - 2 and kinds["quarantine"] == 2 and kinds["anomaly"] > 0
    assert set(out.loc[out["kind"] == "quarantine", "reason"]) == {"bad JSON", "duplicate event_id"}
    stored = pickle.loads(state.value[0])
    assert stored["buckets"] == 8 and set(stored["series"]) == {(s.device_id, s.metric) for s in series}
    # The same events again, in the next batch: all duplicates, the stored state carried over per series.
    (again,) = detect_bucket((0,), iter([frame]), state, buckets=8)
    assert set(again["kind"]) == {"quarantine"} and len(again) == len(frame)
    with pytest.raises(RuntimeError, match="split into 8 buckets, this job into 64"):
        list(detect_bucket((0,), iter([frame]), state))


def _bucket_frames():
    import pandas as pd

    from anomaly.pipeline import DETECTOR_INPUT

    series = fleet(2, 700, seed=6, metrics=("temperature", "vibration"))
    frame = pd.DataFrame(_detector_rows(series))[DETECTOR_INPUT].sample(frac=1.0, random_state=5)
    first = frame[frame["seq"] < 400].reset_index(drop=True)
    return first, frame[frame["seq"] >= 400].reset_index(drop=True)


def _sorted_rows(frame):
    return frame.sort_values(["kind", "event_id", "rule", "message"], na_position="first").reset_index(drop=True)


def test_a_bucket_state_of_the_previous_layout_loads_and_detects_the_same():
    """A checkpoint written by the release before the tuple layout (a `to_dict()` per series) or with other
    field names: the next batch finds exactly what it finds after a state in this release's layout, and the
    state it stores is this release's, series by series equal."""
    import pandas as pd

    from anomaly.detector import STATE_FIELDS
    from anomaly.pipeline import detect_bucket

    first, second = _bucket_frames()
    current = _State()
    list(detect_bucket((0,), iter([first]), current, buckets=8))
    stored = pickle.loads(current.value[0])
    assert stored["fields"] == STATE_FIELDS and all(isinstance(v, bytes) for v in stored["series"].values())
    states = {k: SeriesState.from_tuple(pickle.loads(v), STATE_FIELDS) for k, v in stored["series"].items()}
    assert any(s.episode for s in states.values()) or any(s.recent_ids for s in states.values())
    previous = _State((pickle.dumps({"buckets": 8, "series": {k: v.to_dict() for k, v in states.items()}}),))
    renamed = ("window", *STATE_FIELDS[:-1])  # a release with `window`, before `calm_readings`
    other = {k: pickle.dumps(([], *v.to_tuple()[:-1])) for k, v in states.items()}
    older = _State((pickle.dumps({"buckets": 8, "fields": renamed, "series": other}),))
    (expected,) = detect_bucket((0,), iter([second]), current, buckets=8)
    assert (expected["kind"] == "anomaly").any()
    for state in (previous, older):
        (got,) = detect_bucket((0,), iter([second]), state, buckets=8)
        pd.testing.assert_frame_equal(_sorted_rows(got), _sorted_rows(expected))
        after = pickle.loads(state.value[0])
        assert after["fields"] == STATE_FIELDS
        if state is previous:  # the older release had no calm_readings: restored as 0, which may differ
            assert after["series"] == pickle.loads(current.value[0])["series"]


def test_a_bucket_restored_between_batches_finds_what_one_state_finds():
    """The bucket state through its stored bytes between micro-batches (what RocksDB hands back) against the pure
    functions fed the same batches with one state per series kept in memory: the same anomalies, and each stored
    series equal to that state field by field (the tuple layout round-trips)."""
    from anomaly.detector import STATE_FIELDS
    from anomaly.pipeline import detect_bucket

    batches = _bucket_frames()
    state, got = _State(), set()
    for frame in batches:
        state = _State(pickle.loads(pickle.dumps(state.value)))
        for out in detect_bucket((0,), iter([frame]), state, buckets=8):
            anomalies = out[out["kind"] == "anomaly"]
            got |= set(zip(anomalies["event_id"], anomalies["rule"], anomalies["message"], strict=True))
    stored = pickle.loads(state.value[0])["series"]
    expected = set()
    for device, metric in stored:
        series = SeriesState()
        for frame in batches:
            chunk = frame[(frame["device_id"] == device) & (frame["metric"] == metric)].sort_values(
                "ts_us", kind="stable"
            )
            ts, values = chunk["ts_us"].to_numpy(dtype=float) / 1e6, chunk["value"].to_numpy()
            assert admit(series, chunk["event_id"].tolist(), ts, Params()) == [None] * len(chunk)
            found = detect_series(series, ts, values, spec_for(metric), Params())
            track(
                series,
                device_id=device,
                metric=metric,
                production_line=chunk["production_line"].iloc[-1],  # as the bucket: the batch's last reading's
                timestamps=ts,
                values=values,
                anomalies=found,
            )
            for event_id, anomalies in zip(chunk["event_id"], found, strict=True):
                expected |= {(event_id, a.rule, a.message) for a in anomalies}
        assert SeriesState.from_tuple(pickle.loads(stored[(device, metric)]), STATE_FIELDS) == series
    assert got == expected and expected


def test_a_record_that_is_not_utf8_is_quarantined_with_its_bytes_and_the_stream_goes_on(spark, tmp_path):
    """The issue's line and a JSON event with a Latin-1 byte in device_id: Python workers refuse invalid UTF-8
    (the micro-batch failed, and every replay again). Both are quarantined, their bytes kept base64-encoded in
    raw with the reason saying so, the other events curated, and the next file is read as usual."""
    import base64

    from anomaly.pipeline import INVALID_UTF8, MAX_RECORD_BYTES

    events = _events(devices=1, readings=60)
    garbage = b"\xff\xfe garbage \x80\x81\xc3("
    latin = json.dumps({**GOOD, "event_id": "evt-latin-0001", "device_id": "press-X"}).encode()
    latin = latin.replace(b"press-X", b"pr\xe9ss")
    surrogate = json.dumps({**GOOD, "event_id": "evt-surrogate1"}).encode().replace(b"degC", b"deg\xed\xa0\x80")
    oversized = b'{"event_id": "' + b"x" * (MAX_RECORD_BYTES + 10) + b'"}'
    nul = json.dumps({**GOOD, "event_id": "evt-nul-000001", "firmware": "1.0\u0000"}).encode()
    odd = [garbage, latin, surrogate, oversized, nul]
    write_lines(tmp_path / "in" / "a.jsonl", [*events[:30], *odd, *events[30:]])
    totals = run_local(tmp_path / "in", tmp_path / "out", spark=spark)
    curated, _, quarantined = _counts(spark, tmp_path / "out")
    assert totals["records"] == len(events) + len(odd) == curated + quarantined
    assert curated == len(events) + 1  # the NUL byte is valid UTF-8 (an escaped \u0000 in JSON): a valid event
    quarantine = _quarantine(spark, tmp_path)
    invalid = sorted(base64.b64decode(r["raw"]) for r in quarantine if r["reason"] == INVALID_UTF8)
    assert invalid == sorted([garbage, latin, surrogate])
    too_long = [r for r in _quarantine(spark, tmp_path) if r["reason"].startswith("record too long")]
    assert len(too_long) == 1 and too_long[0]["raw"].encode() == oversized
    write_lines(tmp_path / "in" / "b.jsonl", [json.dumps({**GOOD, "event_id": "evt-next-00001"})])
    assert run_local(tmp_path / "in", tmp_path / "out", spark=spark)["curated"] == 1  # the stream goes on


def _quarantine(spark, root: Path) -> list:
    return read_table(spark, root / "out" / "quarantine", "json").collect()


def test_curated_events_carry_their_score_and_older_partitions_read_as_null(spark, tmp_path):
    """Every curated reading has its anomaly score; a partition written before scores (no such column) still
    reads, with a null score, when a reader merges schemas (Athena reads Parquet by column name: null too)."""
    events = _events(devices=1, readings=120)
    write_lines(tmp_path / "in" / "a.jsonl", events)
    run_local(tmp_path / "in", tmp_path / "out", spark=spark)
    curated = tmp_path / "out" / "curated"
    scores = [r["score"] for r in read_table(spark, curated).collect()]
    assert len(scores) == len(events) and all(0 <= s <= 1 for s in scores)
    old = spark.createDataFrame(
        [("evt-old-000001", "press-0001", 61.0)], "event_id string, device_id string, value double"
    )
    old.write.parquet(str(curated / "event_date=2025-12-31" / "production_line=line-1"))
    merged = spark.read.option("mergeSchema", "true").parquet(str(curated))
    (row,) = merged.where("event_id = 'evt-old-000001'").collect()
    assert row["score"] is None


def test_the_runner_leaves_no_process_behind(tmp_path):
    """python -m anomaly starts its own Spark session; before it returns, the session and its JVM are stopped:
    every process it started is gone the moment it exits."""
    import contextlib
    import subprocess
    import sys
    import time

    import psutil

    events = _events(devices=1, readings=50)
    write_lines(tmp_path / "in" / "a.jsonl", events)
    command = [sys.executable, "-m", "anomaly", "--input", str(tmp_path / "in"), "--output", str(tmp_path / "out")]
    runner = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ})
    started: set[int] = set()
    me = psutil.Process(runner.pid)
    while runner.poll() is None:
        with contextlib.suppress(psutil.Error):
            started |= {child.pid for child in me.children(recursive=True)}
        time.sleep(0.1)
    out, err = runner.communicate()
    assert runner.returncode == 0, err.decode()[-2000:]
    assert json.loads(out.decode().strip().splitlines()[-1])["records"] == len(events)
    assert started, "the runner started no JVM"
    left = [pid for pid in started if psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE]
    assert left == [], [psutil.Process(pid).cmdline()[:3] for pid in left]
