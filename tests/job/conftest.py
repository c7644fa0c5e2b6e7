"""Job tests: one local Spark session for the whole run (local[2], as the benchmark)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
os.environ.setdefault("SPARK_SHUFFLE_PARTITIONS", "2")


@pytest.fixture(scope="session")
def spark():
    pytest.importorskip("pyspark", reason="the job tests need the job env: tox -e job")
    from anomaly.__main__ import spark_session

    session = spark_session("sensor-anomalies-tests")
    yield session
    session.stop()


def write_lines(path: Path, rows: list) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n")
    return path


def read_table(spark, path: Path, fmt: str = "parquet"):
    """The table's committed data, or None when no data file was ever written."""
    data = (
        [
            p
            for p in path.rglob("*")
            if p.is_file() and not any(part.startswith(("_", ".")) for part in p.relative_to(path).parts)
        ]
        if path.exists()
        else []
    )
    return spark.read.format(fmt).load(str(path)) if data else None
