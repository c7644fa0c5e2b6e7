"""The sensor event schema: one JSON Schema for the catalog tables, the job and the tests."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

SCHEMA_PATH = Path(__file__).parent / "schemas" / "sensor_event.schema.json"

# JSON Schema type (and format) -> Glue/Hive column type.
_GLUE_TYPES = {("string", "date-time"): "timestamp", ("string", None): "string", ("number", None): "double"}
_GLUE_TYPES[("integer", None)] = "bigint"


@cache
def event_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text())


def glue_columns(extra: dict[str, str] | None = None) -> list[tuple[str, str, str]]:
    """(name, glue type, comment) for every event property, plus `extra` computed columns."""
    columns = []
    for name, spec in event_schema()["properties"].items():
        glue_type = _GLUE_TYPES[(spec["type"], spec.get("format"))]
        columns.append((name, glue_type, spec.get("description", "")[:255]))
    for name, glue_type in (extra or {}).items():
        columns.append((name, glue_type, "computed by the streaming job"))
    return columns
