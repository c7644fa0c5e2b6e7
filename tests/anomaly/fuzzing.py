"""Generated inputs for the pipeline, many per Spark run: each input (a list of lines of bytes, JSON-ish or not) is a
file of its own whose name rides through parse and the stateful detector, so conservation is checked for every
input on its own: lines in = event rows + quarantine rows, nothing lost, nothing doubled, whatever the lines hold:
text, invalid UTF-8, encoded lone surrogates, NUL bytes, Latin-1 inside a JSON event, lines beyond the record
limit. Spark's text source ends a line at \n or \r, so no generated line holds either."""

from __future__ import annotations

import json
import random
import shutil
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import strategies as st

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
one_line = st.one_of(
    event_like.map(lambda e: json.dumps(e).encode()),
    st.text(max_size=40).map(lambda s: s.encode("utf-8", "surrogatepass")),
    st.binary(max_size=40),
).filter(lambda b: b"\n" not in b and b"\r" not in b)
one_input = st.lists(one_line, min_size=1, max_size=12)

# The seeded generator: mostly well-formed events from a few series (so the detector, its state, duplicates, late
# readings and episodes all get exercised), each field broken in one of many ways at some rate, plus junk lines.
_JUNK = [
    "",
    " ",
    "{",
    "}",
    "[]",
    "[1, 2]",
    "null",
    "true",
    "42",
    '"text"',
    "{}",
    '{"a":',
    "\u00e9\u00e8",
    "\x00",
    '{"event_id": "evt-00000001"}',
    "NaN",
    "{'single': 'quotes'}",
    "\ufeff{}",
    "x" * 300,
]
# Bytes that are not UTF-8 text: the line, truncated and overlong sequences, encoded lone surrogates
# (which UTF-8 forbids), a Latin-1 letter, NUL bytes (valid UTF-8, kept), a byte-order mark alone.
_BYTES = [
    b"\xff\xfe garbage \x80\x81\xc3(",
    b"\xc3",
    b"\xc0\xaf",
    b"\xed\xa0\x80",
    b"\xed\xbf\xbf tail",
    b"caf\xe9",
    b"\x00\x00",
    b'{"event_id": "evt-00000001\x00"}',
    b"\xef\xbb\xbf",
    b"\xf4\x90\x80\x80",
]
OVERSIZED = 70_000  # bytes: beyond anomaly.pipeline.MAX_RECORD_BYTES
_WRONG = [
    None,
    True,
    0,
    -1,
    1e308,
    -1e308,
    1.5,
    "",
    " ",
    "12.5",
    "hot",
    [],
    {},
    [1],
    {"v": 1},
    "\u0000",
    "x" * 300,
    "2026-01-01",
    "2026-02-30T00:00:00Z",
    "2026-01-01T00:00:00+25:00",
    "bad id!",
    "Temperature",
    10**20,
]
_METRICS = ["temperature", "pressure", "vibration", "humidity", "current", "rpm", "unlisted"]


def _event(rng: random.Random, base_ts: float) -> dict:
    device = f"press-{rng.randrange(3):04d}"
    ts = base_ts + rng.choice([rng.uniform(0, 3600), rng.uniform(-2000, 0), 0.0])
    stamp = datetime.fromtimestamp(ts, UTC)
    text_ts = rng.choice(
        [stamp.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z", stamp.strftime("%Y-%m-%dT%H:%M:%SZ"), stamp.isoformat()]
    )
    event = {
        "event_id": f"evt-{rng.randrange(10**6):08d}" if rng.random() < 0.9 else f"evt-{rng.randrange(20):08d}",
        "device_id": device,
        "production_line": f"line-{rng.randrange(1, 4)}",
        "metric": rng.choice(_METRICS),
        "value": rng.choice([rng.gauss(60, 2), rng.gauss(60, 200), rng.uniform(-1e6, 1e6), 0.0, 60.0]),
        "unit": rng.choice(["degC", "bar", "u"]),
        "event_ts": text_ts,
        "seq": rng.randrange(0, 10**9),
    }
    if rng.random() < 0.3:
        event["firmware"] = rng.choice(["1.2.3", "", "f" * 40])
    if rng.random() < 0.1:
        event["extra"] = {"nested": [1, 2]}
    return event


def generate_input(rng: random.Random) -> list[bytes]:
    """One input: 1 to 40 lines of bytes (events, broken events, duplicates, junk text, bytes that are not text,
    events with a Latin-1 byte in a field, now and then a line beyond the record limit)."""
    base_ts = 1_767_225_600.0 + rng.uniform(0, 86_400)
    lines: list[bytes] = []
    for _ in range(rng.randint(1, 40)):
        roll = rng.random()
        if roll < 0.06:
            lines.append(rng.choice(_JUNK).encode())
        elif roll < 0.09:
            lines.append(rng.choice(_BYTES))
        elif roll < 0.11:  # a device id or unit with a Latin-1 byte: JSON, but not UTF-8
            field = rng.choice([b'"press-', b'"degC', b'"line-'])
            lines.append(json.dumps(_event(rng, base_ts)).encode().replace(field, field[:3] + b"\xe9" + field[3:], 1))
        elif roll < 0.115:
            lines.append(b'{"event_id": "' + b"x" * OVERSIZED + b'"}')
        elif roll < 0.15 and lines:
            lines.append(rng.choice(lines))  # the same line again: a duplicate event (or junk twice)
        else:
            event = _event(rng, base_ts)
            if rng.random() < 0.25:  # break one or two fields
                for name in rng.sample(sorted(event), rng.randint(1, 2)):
                    if rng.random() < 0.3:
                        del event[name]
                    else:
                        event[name] = rng.choice(_WRONG)
            text = json.dumps(event, allow_nan=True).encode()
            lines.append(text if rng.random() > 0.03 else text[: rng.randrange(1, len(text))])  # or truncated
    return lines


def check_inputs(spark, inputs: list[list[bytes]], folder: Path) -> dict[str, int]:
    """Every input (one file each) through parse and the stateful detector as one stream micro-batch; per input,
    lines in = event + quarantine rows. Returns the totals (inputs, lines, events, quarantined, anomalies,
    episodes). `folder` is left empty for the next call."""
    from pyspark.sql import functions as F

    from anomaly.pipeline import detect, parse

    source = folder / "in"
    source.mkdir(parents=True)
    for i, lines in enumerate(inputs):
        (source / f"{i:06d}.txt").write_bytes(b"\n".join(lines) + b"\n")
    raw = spark.readStream.format("text").load(str(source))
    raw = raw.select(
        F.regexp_extract(F.input_file_name(), r"([0-9]{6})\.txt$", 1).alias("input"), F.col("value").alias("data")
    )
    found: list = []
    query = (
        detect(parse(raw, keep=("input",)), keep=("input",))
        .writeStream.foreachBatch(
            lambda frame, _: found.extend(frame.groupBy("input", "kind").agg(F.count("*").alias("n")).collect())
        )
        .option("checkpointLocation", str(folder / "checkpoint"))
        .trigger(availableNow=True)
        .start()
    )
    query.awaitTermination()
    shutil.rmtree(folder)
    counts: dict[tuple[str, str], int] = {}
    for row in found:
        counts[(row["input"], row["kind"])] = counts.get((row["input"], row["kind"]), 0) + row["n"]
    for i, lines in enumerate(inputs):
        key = f"{i:06d}"
        got = counts.get((key, "event"), 0) + counts.get((key, "quarantine"), 0)
        assert got == len(lines), f"input {i}: {len(lines)} lines in, {got} out ({[b[:200] for b in lines]!r})"
    kinds: dict[str, int] = {}
    for (_, kind), n in counts.items():
        kinds[kind] = kinds.get(kind, 0) + n
    return {
        "inputs": len(inputs),
        "lines": sum(len(lines) for lines in inputs),
        "events": kinds.get("event", 0),
        "quarantined": kinds.get("quarantine", 0),
        "anomalies": kinds.get("anomaly", 0),
        "episodes": kinds.get("episode", 0),
    }
