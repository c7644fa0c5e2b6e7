"""The PySpark layer: parse and validate raw events, detect with per-series state (kept per bucket of series),
tag every row for its sink.

Every input row comes out exactly once as `kind` = event (curated), quarantine (with a reason), plus one
`kind` = anomaly row per rule that fired and one `kind` = episode row per alert episode a batch opened, updated or
closed (anomaly.episodes: one alert per incident). Lateness and duplicates are decided in the detector's own
state, because Spark's watermark and dropDuplicates drop such rows silently, and the mission says nothing is lost
silently.
"""

from __future__ import annotations

import functools
import json
import math
import operator
import pickle
from collections.abc import Iterator

import numpy as np
import pandas as pd
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.streaming.state import GroupState, GroupStateTimeout
from pyspark.sql.types import (
    ArrayType,
    BinaryType,
    BooleanType,
    DoubleType,
    LongType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

from anomaly import detector
from anomaly.detector import STATE_FIELDS, Params, SeriesState, admit
from anomaly.episodes import EpisodeParams, track
from anomaly.event_schema import event_schema
from anomaly.sensor_catalog import spec_for

PARAMS = Params()
EPISODE_PARAMS = EpisodeParams()
SCHEMA = event_schema()
REQUIRED = SCHEMA["required"]
PROPS = SCHEMA["properties"]
CORRUPT = "_corrupt_record"
RAW_SCHEMA = StructType([StructField(name, StringType()) for name in PROPS] + [StructField(CORRUPT, StringType())])
# Numbers parsed as numbers: read as text, Jackson copies each one through a generator (11% of the JVM's time,
# measured). A wrong JSON type makes the record corrupt; only then is it read again as text to say what is wrong.
TYPED_SCHEMA = StructType(
    [StructField(n, {"number": DoubleType(), "integer": LongType()}.get(PROPS[n]["type"], StringType())) for n in PROPS]
    + [StructField(CORRUPT, StringType())]
)
JSON_OPTIONS = {"mode": "PERMISSIVE", "columnNameOfCorruptRecord": CORRUPT}
# A record longer than this is quarantined unread (an event is a few hundred bytes; the schema caps every field).
MAX_RECORD_BYTES = 65_536
# Spark strings keep a record's bytes; Python workers refuse invalid UTF-8 (pyarrow's Arrow-to-pandas step fails
# the whole micro-batch, and every replay fails again). Such a record never reaches Python as text: it is
# quarantined with its bytes base64-encoded in `raw`, which this reason says.
INVALID_UTF8 = "invalid UTF-8: the record's bytes are kept base64-encoded in raw"
OUTPUT_SCHEMA = StructType(
    [
        StructField("kind", StringType()),
        StructField("event_id", StringType()),
        StructField("device_id", StringType()),
        StructField("production_line", StringType()),
        StructField("metric", StringType()),
        StructField("value", DoubleType()),
        StructField("unit", StringType()),
        StructField("event_ts", TimestampType()),
        StructField("seq", LongType()),
        StructField("firmware", StringType()),
        StructField("score", DoubleType()),
        StructField("rule", StringType()),
        StructField("expected_low", DoubleType()),
        StructField("expected_high", DoubleType()),
        StructField("severity", StringType()),
        StructField("message", StringType()),
        StructField("reason", StringType()),
        StructField("raw", StringType()),
    ]
)
UTC_ZONES = ("UTC", "Etc/UTC", "Z", "+00:00", "GMT")
COLUMNS = [f.name for f in OUTPUT_SCHEMA.fields]
# What crosses into Python and back through the state operator: every row (splitting valid from invalid rows
# before it would read and parse the input twice: two branches of one stream each scan the source), the raw text
# only for invalid rows, and times as epoch microseconds (no time-zone conversion on either side in pandas).
TS = "ts_us"
DETECTOR_INPUT = [
    "device_id",
    "metric",
    "event_id",
    "production_line",
    "value",
    "unit",
    TS,
    "seq",
    "firmware",
    "reason",
    "raw",
]
# Strings first, "kind" (never null) leading: PySpark concatenates the function's frames with an all-object empty
# frame, and pandas checks each all-null run of object columns value by value in Python; in this order none of
# our frames has such a run (rule, severity, message, reason, raw and firmware are often all null).
_SLIM = [StructField(TS, LongType()) if f.name == "event_ts" else f for f in OUTPUT_SCHEMA.fields]
DETECTED_SCHEMA = StructType(sorted(_SLIM, key=lambda f: [StringType, DoubleType, LongType].index(type(f.dataType))))
DETECTED_COLUMNS = [f.name for f in DETECTED_SCHEMA.fields]
# An alert episode as the detector emits it (kind = episode, the record as JSON in `message`: the output stays as
# narrow as the readings need); times in epoch seconds; `opened` is true in the batch that opened the episode.
EPISODE_SCHEMA = StructType(
    [
        StructField("episode_id", StringType()),
        StructField("device_id", StringType()),
        StructField("metric", StringType()),
        StructField("production_line", StringType()),
        StructField("start_ts", DoubleType()),
        StructField("end_ts", DoubleType()),
        StructField("last_anomaly_ts", DoubleType()),
        StructField("peak_severity", StringType()),
        StructField("rules", ArrayType(StringType())),
        StructField("first_value", DoubleType()),
        StructField("peak_value", DoubleType()),
        StructField("readings", LongType()),
        StructField("status", StringType()),
        StructField("score", DoubleType()),
        StructField("opened", BooleanType()),
    ]
)


def parse(raw: DataFrame, column: str = "data", keep: tuple[str, ...] = ()) -> DataFrame:
    """Raw JSON text -> typed columns plus `reason` (null when valid), checked against the event JSON Schema.
    `keep`: string columns of `raw` that pass through unchanged (lineage; a test's input id)."""
    zone = raw.sparkSession.conf.get("spark.sql.session.timeZone")
    if zone not in UTC_ZONES:
        raise ValueError(
            f"parse() reads event times in the session time zone, which is {zone!r}: set "
            "spark.sql.session.timeZone to UTC (the event schema's times are UTC)"
        )
    # explode() of a one-element array is a Generate node: Spark cannot inline from_json into each of the checks
    # below (CollapseProject would, parsing every event once per reference: 10x slower, measured).
    # A record is valid UTF-8 when decoding its bytes (malformed input becomes U+FFFD) gives them back unchanged.
    data = F.col(column).cast("string")
    size = F.octet_length(data)
    utf8 = F.coalesce(F.encode(F.decode(data.cast("binary"), "UTF-8"), "UTF-8") == data.cast("binary"), F.lit(True))
    parsed = raw.select(
        *keep,
        data.alias("raw"),
        size.alias("size"),
        utf8.alias("utf8"),
        F.explode(F.array(F.from_json(F.when(size <= MAX_RECORD_BYTES, data), TYPED_SCHEMA, JSON_OPTIONS))).alias("f"),
    )
    raw_text = F.col("raw")
    typed = F.col(f"f.{CORRUPT}").isNull() & F.col("f").isNotNull()
    is_object = raw_text.startswith("{") | F.ltrim(raw_text).startswith("{")
    # Spark 3.5 compiles a regex per value for an ISO zone suffix (SparkDateTimeUtils.getZoneId): a 'Z' time is
    # cast without its suffix in the UTC session zone instead (the parse ~20% faster, measured); others as is.
    ts_text = F.col("f.event_ts")
    event_ts = F.when(ts_text.endswith("Z"), F.expr("substring(f.event_ts, 1, length(f.event_ts) - 1)"))
    event_ts = event_ts.otherwise(ts_text).cast(TimestampType())
    value = F.col("f.value")
    problems = _problems(lambda name: F.col(f"f.{name}"), event_ts)
    problems.insert(len(REQUIRED), (F.isnan(value) | value.isin(math.inf, -math.inf), "value is not a number"))
    problems.append((F.col("f.seq") < PROPS["seq"]["minimum"], f"seq below {PROPS['seq']['minimum']}"))
    # Read as text (only the records whose typed read failed: the branch is evaluated for them alone).
    text = F.from_json(raw_text, RAW_SCHEMA, JSON_OPTIONS)
    text_value, text_seq = text.getField("value"), text.getField("seq")
    text_ts = text.getField("event_ts").cast(TimestampType())
    text_problems = _problems(text.getField, text_ts)
    text_problems.insert(
        len(REQUIRED),
        (
            text_value.isNotNull() & ~text_value.rlike(r"^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$"),
            "value is not a number",
        ),
    )
    text_problems.append((text_seq.isNotNull() & ~text_seq.rlike("^[0-9]+$"), "seq is not an integer"))
    text_json = text.isNotNull() & text.getField(CORRUPT).isNull() & is_object
    # A valid event stops at the first branch: the reasons are only spelled out for the few that are not.
    reason = (
        F.when(~F.col("utf8"), F.lit(INVALID_UTF8))
        .when(
            F.col("size") > MAX_RECORD_BYTES,
            F.format_string(f"record too long: %d bytes (at most {MAX_RECORD_BYTES})", F.col("size")),
        )
        .when(typed & is_object & ~_any(problems), F.lit(None).cast(StringType()))
        .when(F.trim(raw_text) == "", F.lit("empty record"))
        .when(typed & is_object, _spell(problems))
        .when(~text_json, F.lit("bad JSON"))
        .when(_any(text_problems), _spell(text_problems))
        .otherwise(F.lit("a field has the wrong JSON type (value must be a number, seq an integer)"))
    )

    def field(name: str) -> Column:  # text fields of a record whose typed read failed come from the text read
        return F.coalesce(
            F.col(f"f.{name}"), F.when(~typed & (F.col("size") <= MAX_RECORD_BYTES), text.getField(name))
        ).alias(name)

    return parsed.select(
        *keep,
        F.when(F.col("utf8"), raw_text).otherwise(F.base64(raw_text.cast("binary"))).alias("raw"),
        field("event_id"),
        field("device_id"),
        field("production_line"),
        field("metric"),
        value.alias("value"),
        field("unit"),
        event_ts.alias("event_ts"),
        F.col("f.seq").alias("seq"),
        field("firmware"),
        reason.alias("reason"),
    )


def _problems(field, event_ts: Column) -> list[tuple[Column, str]]:
    """(condition, reason) for each schema rule that a read (typed or text) can break."""
    problems = [(field(name).isNull(), f"missing field {name}") for name in REQUIRED]
    problems.append((field("event_ts").isNotNull() & event_ts.isNull(), "event_ts is not an ISO 8601 time"))
    for name in ("device_id", "production_line", "metric"):
        pattern = PROPS[name]["pattern"]
        problems.append((field(name).isNotNull() & ~field(name).rlike(pattern), f"{name} does not match {pattern}"))
    for name, rules in PROPS.items():
        if "minLength" in rules:
            problems.append((F.length(field(name)) < rules["minLength"], f"{name} too short"))
        if "maxLength" in rules:
            problems.append((F.length(field(name)) > rules["maxLength"], f"{name} too long"))
    return problems


def _any(problems: list[tuple[Column, str]]) -> Column:
    return functools.reduce(operator.or_, [F.coalesce(condition, F.lit(False)) for condition, _ in problems])


def _spell(problems: list[tuple[Column, str]]) -> Column:
    return F.concat_ws("; ", *[F.when(condition, F.lit(text)) for condition, text in problems])


BUCKETS = 64  # series share a state row per bucket; fixed for a checkpoint's life (stored in each state, checked)
# The state store the job runs on (set before a query starts; a checkpoint keeps its provider): RocksDB holds the
# state off the JVM heap and checkpoints only each batch's changes; counting its rows costs a scan per batch and
# says nothing here (a state row is a bucket, not a series).
STATE_STORE_CONF = {
    "spark.sql.streaming.stateStore.providerClass": (
        "org.apache.spark.sql.execution.streaming.state.RocksDBStateStoreProvider"
    ),
    "spark.sql.streaming.stateStore.rocksdb.trackTotalNumberOfRows": "false",
    "spark.sql.streaming.stateStore.rocksdb.changelogCheckpointing.enabled": "true",
}
BUCKET = "bucket"
STATE_SCHEMA = StructType([StructField("series", BinaryType())])


def detected_schema(keep: tuple[str, ...] = ()) -> StructType:
    """The state operator's output: DETECTED_SCHEMA, then the pass-through columns (strings)."""
    return StructType(DETECTED_SCHEMA.fields + [StructField(name, StringType()) for name in keep])


def _output(field: StructField, pieces: list[np.ndarray]) -> np.ndarray | pd.api.extensions.ExtensionArray:
    column = np.concatenate(pieces) if pieces else np.empty(0, dtype=object)
    if column.dtype.kind == "f" and isinstance(field.dataType, LongType):
        return pd.array(column).astype("Int64")  # an integer column with nulls: exact, not float
    return column


class _Rows:
    """The rows of one output frame, gathered as positions into input columns (one numpy take per column at the
    end: pandas row selection or concat per series costs more than the detector)."""

    def __init__(self, source: dict[str, np.ndarray], schema: StructType) -> None:
        self.source, self.schema = source, schema
        self.parts: list[tuple[str, np.ndarray, dict[str, np.ndarray]]] = []

    def add(self, kind: str, positions: np.ndarray, extra: dict[str, np.ndarray] | None = None) -> None:
        if len(positions):
            self.parts.append((kind, positions, extra or {}))

    def emit(self) -> pd.DataFrame:
        source = self.source
        columns = {}
        for field in self.schema.fields:
            name = field.name
            double = isinstance(field.dataType, DoubleType)
            pieces = []
            for kind, positions, extra in self.parts:
                if name == "kind":
                    pieces.append(np.full(len(positions), kind, dtype=object))
                elif name in extra:
                    pieces.append(np.asarray(extra[name], dtype=float if double else object))
                elif name in source:
                    pieces.append(source[name][positions])
                else:
                    pieces.append(np.full(len(positions), np.nan) if double else np.full(len(positions), None, object))
            columns[name] = _output(field, pieces)
        return pd.DataFrame(columns)


def _dump(series: SeriesState) -> bytes:
    return pickle.dumps(series.to_tuple(), protocol=5)


def _load(state: GroupState, buckets: int) -> dict[tuple[str, str], bytes]:
    """The bucket's series, each as its own pickled `SeriesState.to_tuple()`: a batch unpickles and re-pickles
    only the series it has readings of. A state stored by an earlier release (a `to_dict()` per series, or other
    fields) is converted here, once."""
    if not state.exists:
        return {}
    stored = pickle.loads(state.get[0])
    if stored["buckets"] != buckets:
        raise RuntimeError(
            f"the checkpoint's detector state is split into {stored['buckets']} buckets, this job into {buckets}: "
            "keep the bucket count of a checkpoint, or start the job on a new checkpoint location"
        )
    names = stored.get("fields")
    if names == STATE_FIELDS:
        return stored["series"]
    if names is None:
        return {key: _dump(SeriesState.from_dict(value)) for key, value in stored["series"].items()}
    return {key: _dump(SeriesState.from_tuple(pickle.loads(value), names)) for key, value in stored["series"].items()}


def _columns(chunks: list[pd.DataFrame]) -> dict[str, np.ndarray]:
    """The bucket's rows as numpy columns, the chunks PySpark cut them into (Arrow batches of
    maxRecordsPerBatch rows) put end to end: pd.concat checks each all-null object column value by value in
    Python (10% of the worker's time, measured); numpy concatenates, with pandas' dtypes (int and float: float)."""
    if len(chunks) == 1:
        return {name: column.to_numpy() for name, column in chunks[0].items()}
    return {name: np.concatenate([chunk[name].to_numpy() for chunk in chunks]) for name in chunks[0].columns}


def _series_runs(
    columns: dict[str, np.ndarray], valid: np.ndarray, micros: np.ndarray
) -> tuple[list, np.ndarray, list]:
    """The valid rows grouped by series (device x metric), each group in time order (ties in row order): the
    series keys in order of first appearance, the row positions sorted by series then time, and where each
    series' run of positions starts (one sort for the whole bucket, not one per series)."""
    devices, device_names = pd.factorize(columns["device_id"][valid])
    metrics, metric_names = pd.factorize(columns["metric"][valid])
    series, pairs = pd.factorize(devices * len(metric_names) + metrics)
    order = np.lexsort((micros[valid], series))  # stable: equal times keep their row order
    starts = np.flatnonzero(np.diff(series[order], prepend=-1)).tolist()
    keys = [(device_names[p // len(metric_names)], metric_names[p % len(metric_names)]) for p in pairs.tolist()]
    return keys, valid[order], [*starts, len(order)]


def detect_bucket(
    key: tuple,
    batches: Iterator[pd.DataFrame],
    state: GroupState,
    buckets: int = BUCKETS,
    schema: StructType = DETECTED_SCHEMA,
) -> Iterator[pd.DataFrame]:
    """applyInPandasWithState function: every row of this micro-batch whose series (device x metric) hashes to one
    bucket, with the state of all that bucket's series in one row. Rows that failed validation pass through to
    quarantine (their key may be null or junk: such rows never store state)."""
    columns = _columns(list(batches))
    invalid = pd.notna(columns["reason"])
    rows = _Rows(columns, schema)
    rows.add("quarantine", np.flatnonzero(invalid))
    series_states = _load(state, buckets)
    if not invalid.all():
        micros = columns[TS].astype(float)  # epoch micros: exact in a double (< 2**53) until year 2255
        values = columns["value"].astype(float)
        event_ids = columns["event_id"]
        lines = columns["production_line"]
        keys, ordered, starts = _series_runs(columns, np.flatnonzero(~invalid), micros)
        events, scores, rejected, reasons, hits, found, closing, records = [], [], [], [], [], [], [], []
        for series_key, begin, end in zip(keys, starts[:-1], starts[1:], strict=True):
            positions = ordered[begin:end]
            stored = series_states.get(series_key)
            series = SeriesState.from_tuple(pickle.loads(stored), STATE_FIELDS) if stored else SeriesState()
            ts = micros[positions] / 1e6
            verdicts = admit(series, event_ids[positions].tolist(), ts, PARAMS)
            if verdicts.count(None) != len(verdicts):
                accepted = np.fromiter((v is None for v in verdicts), dtype=bool, count=len(verdicts))
                rejected.append(positions[~accepted])
                reasons += [v for v in verdicts if v is not None]
                positions, ts = positions[accepted], ts[accepted]
            if len(positions):
                readings = values[positions]
                detection = detector.detect(series, ts, readings, spec_for(series_key[1]), PARAMS)
                flagged = detection.flagged
                events.append(positions)
                scores.append(detection.scores)
                for i, anomalies in flagged.items():
                    hits += [positions[i]] * len(anomalies)
                    found += anomalies
                was_open = (series.episode or {}).get("episode_id")
                for episode in track(
                    series,
                    device_id=series_key[0],
                    metric=series_key[1],
                    production_line=lines[positions[-1]],
                    timestamps=ts,
                    values=readings,
                    anomalies=flagged,
                    params=EPISODE_PARAMS,
                ):
                    closing.append(positions[-1])
                    records.append(json.dumps({**episode.to_dict(), "opened": episode.episode_id != was_open}))
            series_states[series_key] = _dump(series)
        if events:
            rows.add("event", np.concatenate(events), {"score": np.concatenate(scores)})
        if rejected:
            rows.add("quarantine", np.concatenate(rejected), {"reason": np.array(reasons, dtype=object)})
        if hits:
            rows.add(
                "anomaly",
                np.array(hits, dtype=np.int64),
                {
                    "rule": [a.rule for a in found],
                    "expected_low": [np.nan if a.expected_low is None else a.expected_low for a in found],
                    "expected_high": [np.nan if a.expected_high is None else a.expected_high for a in found],
                    "severity": [a.severity for a in found],
                    "message": [a.message for a in found],
                    "score": [a.score for a in found],
                },
            )
        if records:  # one row per episode this batch opened, updated or closed: the record as JSON in `message`
            rows.add("episode", np.array(closing, dtype=np.int64), {"message": np.array(records, dtype=object)})
        state.update((pickle.dumps({"buckets": buckets, "fields": STATE_FIELDS, "series": series_states}, protocol=5),))
    if rows.parts:
        yield rows.emit()


def prepare(parsed: DataFrame, buckets: int = BUCKETS, keep: tuple[str, ...] = ()) -> DataFrame:
    """What crosses into the state operator: the bucket, then DETECTOR_INPUT (raw text only for invalid rows)."""
    return parsed.select(
        F.pmod(F.xxhash64("device_id", "metric"), F.lit(buckets)).cast("int").alias(BUCKET),
        *[
            F.expr("unix_micros(event_ts)").alias(TS)
            if c == TS
            else F.when(F.col("reason").isNotNull(), F.col("raw")).alias("raw")
            if c == "raw"
            else F.col(c)
            for c in DETECTOR_INPUT
        ],
        *keep,
    )


def detect(parsed: DataFrame, buckets: int = BUCKETS, keep: tuple[str, ...] = ()) -> DataFrame:
    """Every row through the stateful detector (invalid ones pass through to quarantine). Works on streams.

    State is kept per bucket of series (a hash of device x metric), not per series: one Python call and one state
    row cover all of a bucket's series in a micro-batch (per-group frames and state rows cost more than detection).
    `keep`: columns of `parsed` (kept by parse) that every output row carries from its reading.
    """
    schema = detected_schema(keep)
    detected = (
        prepare(parsed, buckets, keep)
        .groupBy(BUCKET)
        .applyInPandasWithState(
            functools.partial(detect_bucket, buckets=buckets, schema=schema),
            schema,
            STATE_SCHEMA,
            "append",
            GroupStateTimeout.NoTimeout,
        )
    )
    return detected.select(
        *[F.expr(f"timestamp_micros({TS})").alias(c) if c == "event_ts" else F.col(c) for c in COLUMNS], *keep
    )
