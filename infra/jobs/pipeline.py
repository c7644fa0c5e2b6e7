"""The PySpark layer: parse and validate raw events, detect with per-series state, tag every row for its sink.

Every input row comes out exactly once as `kind` = event (curated), quarantine (with a reason), plus one
`kind` = anomaly row per rule that fired. Lateness and duplicates are decided in the detector's own state, because
Spark's watermark and dropDuplicates drop such rows silently, and the mission says nothing is lost silently.
"""

from __future__ import annotations

import json
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

from infra.event_schema import event_schema
from infra.jobs.detector import Params, SeriesState, admit, detect_series
from infra.jobs.sensor_catalog import spec_for

PARAMS = Params()
SCHEMA = event_schema()
REQUIRED = SCHEMA["required"]
PROPS = SCHEMA["properties"]
CORRUPT = "_corrupt_record"
RAW_SCHEMA = StructType([StructField(name, StringType()) for name in PROPS] + [StructField(CORRUPT, StringType())])
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
COLUMNS = [f.name for f in OUTPUT_SCHEMA.fields]


def _problem(condition: Column, reason: str) -> Column:
    return F.when(condition, F.lit(reason))


def parse(raw: DataFrame, column: str = "data") -> DataFrame:
    """Raw JSON text -> typed columns plus `reason` (null when valid), checked against the event JSON Schema."""
    fields = F.from_json(F.col(column), RAW_SCHEMA, {"mode": "PERMISSIVE", "columnNameOfCorruptRecord": CORRUPT})
    # explode() of a one-element array is a Generate node: Spark cannot inline from_json into each of the checks
    # below (CollapseProject would, parsing every event once per reference: 10x slower, measured).
    parsed = raw.select(F.col(column).cast("string").alias("raw"), F.explode(F.array(fields)).alias("f"))
    typed = {
        "value": F.col("f.value").cast(DoubleType()),
        "seq": F.col("f.seq").cast(LongType()),
        "event_ts": F.to_timestamp(F.col("f.event_ts")),
    }
    # PERMISSIVE from_json keeps malformed text in the corrupt-record field (one parse per event, not two).
    bad_json = F.col("f").isNull() | F.col(f"f.{CORRUPT}").isNotNull() | ~F.ltrim(F.col("raw")).startswith("{")
    checks: list[Column] = [_problem(F.col(f"f.{name}").isNull(), f"missing field {name}") for name in REQUIRED]
    checks += [
        _problem(
            F.col("f.value").isNotNull() & (typed["value"].isNull() | F.isnan(typed["value"])), "value is not a number"
        ),
        _problem(F.col("f.value").startswith('"'), "value is not a number"),
        _problem(F.col("f.seq").isNotNull() & typed["seq"].isNull(), "seq is not an integer"),
        _problem(F.col("f.event_ts").isNotNull() & typed["event_ts"].isNull(), "event_ts is not an ISO 8601 time"),
    ]
    for name in ("device_id", "production_line", "metric"):
        pattern = PROPS[name]["pattern"]
        checks.append(
            _problem(
                F.col(f"f.{name}").isNotNull() & ~F.col(f"f.{name}").rlike(pattern), f"{name} does not match {pattern}"
            )
        )
    length = PROPS["event_id"]
    checks.append(_problem(F.length("f.event_id") < length["minLength"], "event_id too short"))
    checks.append(_problem(F.length("f.event_id") > length["maxLength"], "event_id too long"))
    return parsed.select(
        "raw",
        F.col("f.event_id").alias("event_id"),
        F.col("f.device_id").alias("device_id"),
        F.col("f.production_line").alias("production_line"),
        F.col("f.metric").alias("metric"),
        typed["value"].alias("value"),
        F.col("f.unit").alias("unit"),
        typed["event_ts"].alias("event_ts"),
        typed["seq"].alias("seq"),
        F.col("f.firmware").alias("firmware"),
        F.when(F.trim(F.col("raw")) == "", F.lit("empty record"))
        .when(bad_json, F.lit("bad JSON"))
        .otherwise(F.concat_ws("; ", *checks))
        .alias("reason"),
    ).withColumn("reason", F.when(F.col("reason") == "", None).otherwise(F.col("reason")))


def _column(frame: pd.DataFrame, name: str, count: int) -> np.ndarray:
    kind = OUTPUT_SCHEMA[name].dataType
    if name in frame:
        values = frame[name].to_numpy()
        return values.astype("datetime64[us]") if isinstance(kind, TimestampType) else values
    if isinstance(kind, DoubleType):
        return np.full(count, np.nan)
    if isinstance(kind, TimestampType):
        return np.full(count, np.datetime64("NaT"), dtype="datetime64[us]")
    return np.full(count, None, dtype=object)


def _emit(parts: list[tuple[str, pd.DataFrame, dict]]) -> pd.DataFrame:
    """One output frame, built column by column (pandas concat of all-None columns is slow per element)."""
    columns = {}
    for name in COLUMNS:
        pieces = []
        for kind, frame, extra in parts:
            count = len(frame)
            if name == "kind":
                pieces.append(np.full(count, kind, dtype=object))
            elif name in extra:
                dtype = float if isinstance(OUTPUT_SCHEMA[name].dataType, DoubleType) else object
                pieces.append(np.asarray(extra[name], dtype=dtype))
            else:
                pieces.append(_column(frame, name, count))
        if isinstance(OUTPUT_SCHEMA[name].dataType, LongType):
            pieces = [np.asarray(p, dtype=object) for p in pieces]
        columns[name] = np.concatenate(pieces)
    return pd.DataFrame(columns)


def detect_group(key: tuple, batches: Iterator[pd.DataFrame], state: GroupState) -> Iterator[pd.DataFrame]:
    """applyInPandasWithState function: one device x metric, all its readings of this micro-batch."""
    _, metric = key
    series = SeriesState.from_dict(json.loads(state.get[0])) if state.exists else SeriesState()
    frame = pd.concat(list(batches), ignore_index=True)
    ts = frame["event_ts"].astype("datetime64[us]").astype("int64").to_numpy() / 1e6
    order = np.argsort(ts, kind="stable")
    frame, ts = frame.iloc[order].reset_index(drop=True), ts[order]
    reasons = [admit(series, eid, t, PARAMS) for eid, t in zip(frame["event_id"], ts, strict=True)]
    accepted = np.array([r is None for r in reasons], dtype=bool)
    parts: list[tuple[str, pd.DataFrame, dict]] = []
    if (~accepted).any():
        parts.append(("quarantine", frame[~accepted], {"reason": [r for r in reasons if r is not None]}))
    good = frame[accepted].reset_index(drop=True)
    if len(good):
        found = detect_series(series, ts[accepted], good["value"].to_numpy(dtype=float), spec_for(metric), PARAMS)
        parts.append(("event", good, {}))
        hits = [(i, a) for i, anomalies in enumerate(found) for a in anomalies]
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
    """Valid rows through the stateful detector; invalid rows straight to quarantine. Works on streams."""
    valid = parsed.where(F.col("reason").isNull()).withColumn("raw", F.lit(None).cast(StringType()))
    invalid = parsed.where(F.col("reason").isNotNull())
    detected = valid.groupBy("device_id", "metric").applyInPandasWithState(
        detect_group, OUTPUT_SCHEMA, STATE_SCHEMA, "append", GroupStateTimeout.NoTimeout
    )
    quarantined = invalid.select(
        F.lit("quarantine").alias("kind"),
        *[
            F.col(c) if c in parsed.columns else F.lit(None).cast(OUTPUT_SCHEMA[c].dataType).alias(c)
            for c in COLUMNS[1:]
        ],
    )
    return detected.unionByName(quarantined)
