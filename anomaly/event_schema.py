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


def glue_columns(extra: dict[str, str] | None = None) -> list[tuple[str, str, str]]:
    """(name, glue type, comment) for every event property, plus `extra` computed columns."""
    columns = []
    for name, spec in event_schema()["properties"].items():
        glue_type = _GLUE_TYPES[(spec["type"], spec.get("format"))]
        columns.append((name, glue_type, spec.get("description", "")[:255]))
    for name, glue_type in (extra or {}).items():
        columns.append((name, glue_type, "computed by the streaming job"))
    return columns
