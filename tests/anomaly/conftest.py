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
    """One line per row: bytes as they are, text as UTF-8, anything else as JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    encoded = [r if isinstance(r, bytes) else (r if isinstance(r, str) else json.dumps(r)).encode() for r in rows]
    path.write_bytes(b"\n".join(encoded) + b"\n")
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


_POSTGRES_SKIPPED: list[str] = []


@pytest.fixture(scope="session")
def postgres():
    """A real PostgreSQL on 127.0.0.1 (TLS only, test CA), schema.sql applied as the superuser, the application
    role given a password (on Aurora it logs in with IAM tokens). Skips, loudly, where the server is missing."""
    import secrets
    import tempfile

    from tests.anomaly.pg_server import PostgresServer, find_binaries

    binaries, why = find_binaries()
    if binaries is None:
        _POSTGRES_SKIPPED.append(why)
        pytest.skip(f"REAL POSTGRESQL TESTS SKIPPED: {why}")
    root = Path(tempfile.mkdtemp(prefix="anomaly-pg-"))  # under /tmp: the server user must reach it
    root.chmod(0o755)
    server = PostgresServer(binaries, root, secrets.token_urlsafe(16))
    try:
        server.start()
    except Exception as error:  # the binaries exist but the server cannot start here: say why, do not hide it
        server.stop()
        _POSTGRES_SKIPPED.append(str(error))
        pytest.skip(f"REAL POSTGRESQL TESTS SKIPPED: the server did not start ({error})")
    yield server
    server.stop()


def pytest_terminal_summary(terminalreporter):
    for why in sorted(set(_POSTGRES_SKIPPED)):
        terminalreporter.write_sep("!", f"the real-PostgreSQL tests of the Aurora sink were SKIPPED: {why}", red=True)
