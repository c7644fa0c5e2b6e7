"""The sensor event schema: one JSON Schema for the catalog tables, the job and the tests."""

from __future__ import annotations

import json
import pkgutil
from functools import cache
from typing import Any

SCHEMA_RESOURCE = "schemas/sensor_event.schema.json"  # read through the package loader: works from a zip too

# JSON Schema type (and format) -> Glue/Hive column type.
_GLUE_TYPES = {("string", "date-time"): "timestamp", ("string", None): "string", ("number", None): "double"}
_GLUE_TYPES[("integer", None)] = "bigint"


@cache
def event_schema() -> dict[str, Any]:
    data = pkgutil.get_data("anomaly", SCHEMA_RESOURCE)
    if data is None:
        raise FileNotFoundError(f"anomaly/{SCHEMA_RESOURCE} is missing from the package")
    return json.loads(data)


# The lake's alert-episode table as the job writes it (anomaly.sinks): Glue column types, partitioned by start_date.
# infra/ builds the catalog table from this; a job test holds it equal to the Spark schema the job writes.
EPISODE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("episode_id", "string", "deterministic id: device, metric and start time"),
    ("device_id", "string", "IoT thing name"),
    ("metric", "string", "metric type"),
    ("production_line", "string", "production line id"),
    ("start_ts", "timestamp", "first anomalous reading"),
    ("end_ts", "timestamp", "when the series was back to normal for the hold-off (null while open)"),
    ("last_anomaly_ts", "timestamp", "newest anomalous reading"),
    ("peak_severity", "string", "warning or critical"),
    ("rules", "array<string>", "reasons of its alert readings (spike, level_shift, drift, ...)"),
    ("first_value", "double", "value of the first anomalous reading"),
    ("peak_value", "double", "value of the most severe reading"),
    ("readings", "bigint", "anomalous readings in the episode"),
    ("status", "string", "open or closed"),
    ("score", "double", "highest anomaly score of its readings, 0-1 (null in records written before scores)"),
    ("opened", "boolean", "true in the batch that opened the episode"),
    ("batch_id", "bigint", "micro-batch that wrote this record"),
    ("detected_ts", "timestamp", "when the job wrote this record"),
    ("start_date", "string", "partition: day of start_ts (UTC)"),
)


# What the job adds to every curated event (anomaly.pipeline OUTPUT_SCHEMA, kept by anomaly.sinks): Glue types.
CURATED_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("score", "double", "anomaly score of the reading, 0-1 (null in partitions written before scores)"),
)

# The lake's anomalous-readings table as the job writes it (anomaly.sinks), partitioned by event_date: one row
# per reading and reason; infra/components/lake.py builds the catalog table from it (as it does the episodes').
ANOMALY_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("event_id", "string", "event that triggered the anomaly"),
    ("device_id", "string", "IoT thing name"),
    ("production_line", "string", "production line id"),
    ("metric", "string", "metric type"),
    ("value", "double", "observed value (a gap's: its length in seconds)"),
    ("rule", "string", "reason: spike, level_shift, drift, noise_burst, stuck, out_of_range or gap"),
    ("score", "double", "anomaly score of the reading, 0-1 (null in partitions written before scores)"),
    ("expected_low", "double", "lower bound of the expected range"),
    ("expected_high", "double", "upper bound of the expected range"),
    ("severity", "string", "info, warning or critical"),
    ("message", "string", "what the detector saw, for the operator"),
    ("event_ts", "timestamp", "when the reading was taken"),
    ("detected_ts", "timestamp", "when the job flagged it"),
    ("event_date", "string", "partition: day of event_ts (UTC)"),
)


def glue_columns(extra: dict[str, str] | None = None) -> list[tuple[str, str, str]]:
    """(name, glue type, comment) for every event property, then the columns the job adds to a curated event
    (`CURATED_COLUMNS`), plus `extra` computed columns."""
    columns = []
    for name, spec in event_schema()["properties"].items():
        glue_type = _GLUE_TYPES[(spec["type"], spec.get("format"))]
        columns.append((name, glue_type, spec.get("description", "")[:255]))
    columns += CURATED_COLUMNS
    for name, glue_type in (extra or {}).items():
        columns.append((name, glue_type, "computed by the streaming job"))
    return columns
