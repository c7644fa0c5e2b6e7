"""The PySpark layer: parse and validate raw events, detect with per-series state, tag every row for its sink.

Every input row comes out exactly once as `kind` = event (curated), quarantine (with a reason), plus one
`kind` = anomaly row per rule that fired. Lateness and duplicates are decided in the detector's own state, because
Spark's watermark and dropDuplicates drop such rows silently, and the mission says nothing is lost silently.
"""

from __future__ import annotations

import functools
import json
import math
import operator
from collections.abc import Iterator

import numpy as np
import pandas as pd
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.streaming.state import GroupState, GroupStateTimeout
from pyspark.sql.types import (
    DoubleType,
    LongType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

from anomaly.detector import Params, SeriesState, admit, detect_series
from anomaly.event_schema import event_schema
from anomaly.sensor_catalog import spec_for

PARAMS = Params()
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
        StructField("rule", StringType()),
        StructField("expected_low", DoubleType()),
        StructField("expected_high", DoubleType()),
        StructField("severity", StringType()),
        StructField("message", StringType()),
        StructField("reason", StringType()),
        StructField("raw", StringType()),
    ]
)
STATE_SCHEMA = StructType([StructField("state", StringType())])
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


def parse(raw: DataFrame, column: str = "data") -> DataFrame:
    """Raw JSON text -> typed columns plus `reason` (null when valid), checked against the event JSON Schema."""
    zone = raw.sparkSession.conf.get("spark.sql.session.timeZone")
    if zone not in UTC_ZONES:
        raise ValueError(
            f"parse() reads event times in the session time zone, which is {zone!r}: set "
            "spark.sql.session.timeZone to UTC (the event schema's times are UTC)"
        )
    # explode() of a one-element array is a Generate node: Spark cannot inline from_json into each of the checks
    # below (CollapseProject would, parsing every event once per reference: 10x slower, measured).
    parsed = raw.select(
        F.col(column).cast("string").alias("raw"),
        F.explode(F.array(F.from_json(F.col(column), TYPED_SCHEMA, JSON_OPTIONS))).alias("f"),
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
        F.when(typed & is_object & ~_any(problems), F.lit(None).cast(StringType()))
        .when(F.trim(raw_text) == "", F.lit("empty record"))
        .when(typed & is_object, _spell(problems))
        .when(~text_json, F.lit("bad JSON"))
        .when(_any(text_problems), _spell(text_problems))
        .otherwise(F.lit("a field has the wrong JSON type (value must be a number, seq an integer)"))
    )

    def field(name: str) -> Column:  # text fields of a record whose typed read failed come from the text read
        return F.coalesce(F.col(f"f.{name}"), F.when(~typed, text.getField(name))).alias(name)

    return parsed.select(
        "raw",
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


def _column(frame: pd.DataFrame, name: str, count: int) -> np.ndarray:
    if name in frame:
        return frame[name].to_numpy()
    if isinstance(DETECTED_SCHEMA[name].dataType, DoubleType):
        return np.full(count, np.nan)
    return np.full(count, None, dtype=object)


def _emit(parts: list[tuple[str, pd.DataFrame, dict]]) -> pd.DataFrame:
    """One output frame, built column by column (pandas concat of all-None columns is slow per element)."""
    columns = {}
    for name in DETECTED_COLUMNS:
        pieces = []
        for kind, frame, extra in parts:
            count = len(frame)
            if name == "kind":
                pieces.append(np.full(count, kind, dtype=object))
            elif name in extra:
                dtype = float if isinstance(DETECTED_SCHEMA[name].dataType, DoubleType) else object
                pieces.append(np.asarray(extra[name], dtype=dtype))
            else:
                pieces.append(_column(frame, name, count))
        column = np.concatenate(pieces)
        if column.dtype.kind == "f" and isinstance(DETECTED_SCHEMA[name].dataType, LongType):
            column = pd.array(column).astype("Int64")  # an integer column with nulls: exact, not float
        columns[name] = column
    return pd.DataFrame(columns)


def detect_group(key: tuple, batches: Iterator[pd.DataFrame], state: GroupState) -> Iterator[pd.DataFrame]:
    """applyInPandasWithState function: one device x metric, all its rows of this micro-batch. Rows that failed
    validation pass through to quarantine (their key may be null or junk: such a group never stores state)."""
    _, metric = key
    chunks = list(batches)
    frame = chunks[0] if len(chunks) == 1 else pd.concat(chunks, ignore_index=True)
    parts: list[tuple[str, pd.DataFrame, dict]] = []
    invalid = frame["reason"].notna().to_numpy()
    if invalid.any():
        parts.append(("quarantine", frame[invalid], {}))
        frame = frame[~invalid].reset_index(drop=True)
        if not len(frame):
            yield _emit(parts)
            return
    series = SeriesState.from_dict(json.loads(state.get[0])) if state.exists else SeriesState()
    micros = frame[TS].to_numpy(dtype=np.int64)
    if len(micros) > 1 and (np.diff(micros) < 0).any():
        order = np.argsort(micros, kind="stable")
        frame, micros = frame.iloc[order].reset_index(drop=True), micros[order]
    ts = micros / 1e6
    reasons = admit(series, frame["event_id"].tolist(), ts, PARAMS)
    accepted = np.fromiter((r is None for r in reasons), dtype=bool, count=len(reasons))
    if not accepted.all():
        parts.append(("quarantine", frame[~accepted], {"reason": [r for r in reasons if r is not None]}))
    good = frame if accepted.all() else frame[accepted].reset_index(drop=True)
    if len(good):
        found = detect_series(series, ts[accepted], good["value"].to_numpy(dtype=float), spec_for(metric), PARAMS)
        parts.append(("event", good, {}))
        hits = [(i, a) for i, anomalies in enumerate(found) if anomalies for a in anomalies]
        if hits:
            rows = good.iloc[[i for i, _ in hits]].reset_index(drop=True)
            parts.append(
                (
                    "anomaly",
                    rows,
                    {
                        "rule": [a.rule for _, a in hits],
                        "expected_low": [np.nan if a.expected_low is None else a.expected_low for _, a in hits],
                        "expected_high": [np.nan if a.expected_high is None else a.expected_high for _, a in hits],
                        "severity": [a.severity for _, a in hits],
                        "message": [a.message for _, a in hits],
                    },
                )
            )
    state.update((json.dumps(series.to_dict()),))
    if parts:
        yield _emit(parts)


def detect(parsed: DataFrame) -> DataFrame:
    """Every row through the stateful detector (invalid ones pass through to quarantine). Works on streams."""
    prepared = parsed.select(
        *[
            F.expr("unix_micros(event_ts)").alias(TS)
            if c == TS
            else F.when(F.col("reason").isNotNull(), F.col("raw")).alias("raw")
            if c == "raw"
            else F.col(c)
            for c in DETECTOR_INPUT
        ]
    )
    detected = prepared.groupBy("device_id", "metric").applyInPandasWithState(
        detect_group, DETECTED_SCHEMA, STATE_SCHEMA, "append", GroupStateTimeout.NoTimeout
    )
    return detected.select(
        *[F.expr(f"timestamp_micros({TS})").alias(c) if c == "event_ts" else F.col(c) for c in COLUMNS]
    )
