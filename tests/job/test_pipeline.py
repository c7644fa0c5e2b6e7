"""The PySpark layer on local Spark: validation, conservation, state across batches, restarts without duplicates."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anomaly.__main__ import run_local
from anomaly.simulate import fleet, to_events
from tests.job.conftest import read_table, write_lines

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
    delivered = []  # what the Glue job upserts into Aurora: the same rows as the anomalies table
    totals = run_local(tmp_path / "in", tmp_path / "out", spark=spark, on_anomalies=delivered.extend)
    curated, anomalies, quarantined = _counts(spark, tmp_path / "out")
    assert totals["records"] == len(lines) == curated + quarantined
    assert curated == len(events) and quarantined == len(junk)
    assert anomalies == totals["anomalies"] > 0
    rows = read_table(spark, tmp_path / "out" / "anomalies").collect()
    assert sorted((r["event_id"], r["rule"]) for r in rows) == sorted((d["event_id"], d["rule"]) for d in delivered)
    assert {r["rule"] for r in rows} >= {"hard_limit"} and all(r["severity"] for r in rows)
    partitions = {p.name.split("=")[0] for p in (tmp_path / "out" / "curated").iterdir() if "=" in p.name}
    assert partitions == {"event_date"}
    quarantine = read_table(spark, tmp_path / "out" / "quarantine", "json").collect()
    assert {r["reason"] for r in quarantine} >= {"bad JSON", "duplicate event_id", "empty record"}


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


@pytest.mark.parametrize("crash_point", ["after_sink_commit", "mid_sink"])
def test_restart_from_checkpoint_writes_no_duplicates(spark, tmp_path, crash_point):
    events = _events(devices=1, readings=300)
    write_lines(tmp_path / "in" / "a.jsonl", events)
    run_local(tmp_path / "in", tmp_path / "out", spark=spark)
    before = _counts(spark, tmp_path / "out")
    # Simulate a crash after the sink wrote but before Spark committed the batch: Spark re-runs that batch.
    commit = _last_commit(tmp_path / "out" / "_checkpoint")
    commit.unlink()
    (commit.parent / f".{commit.name}.crc").unlink(missing_ok=True)  # Hadoop's checksum companion
    if crash_point == "mid_sink":  # and the sink itself had not finished: no commit markers were written
        for marker in (tmp_path / "out").glob("*/_committed/*"):
            marker.unlink()
    run_local(tmp_path / "in", tmp_path / "out", spark=spark)
    assert _counts(spark, tmp_path / "out") == before
    curated = read_table(spark, tmp_path / "out" / "curated")
    assert curated.select("event_id").distinct().count() == curated.count() == len(events)


json_values = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=False) | st.integers() | st.text(max_size=12),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)
event_like = st.fixed_dictionaries(
    {},
    optional={
        "event_id": st.text(min_size=0, max_size=20) | json_values,
        "device_id": st.sampled_from(["press-1", "bad id", ""]) | json_values,
        "production_line": st.just("line-1") | json_values,
        "metric": st.sampled_from(["temperature", "rpm", "Bad"]) | json_values,
        "value": st.floats(allow_nan=False, allow_infinity=False) | json_values,
        "unit": st.just("degC"),
        "event_ts": st.sampled_from(["2026-01-01T00:00:00Z", "2026-13-01", "x"]) | json_values,
        "seq": st.integers(-5, 10**12) | json_values,
    },
)
lines = st.lists(
    st.one_of(event_like.map(json.dumps), st.text(max_size=40).filter(lambda s: "\n" not in s and "\r" not in s)),
    min_size=1,
    max_size=60,
)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=lines)
def test_fuzzed_input_never_crashes_and_loses_nothing(spark, tmp_path_factory, batch):
    root = tmp_path_factory.mktemp("fuzz")
    write_lines(root / "in" / "f.jsonl", batch)
    totals = run_local(root / "in", root / "out", spark=spark)
    curated, _, quarantined = _counts(spark, root / "out")
    assert totals["records"] == curated + quarantined == len(batch)
    shutil.rmtree(root, ignore_errors=True)
