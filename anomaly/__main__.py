"""Local runner and offline scorer for the anomaly job.

python -m anomaly --input PATH --output DIR [--checkpoint DIR]   JSON-lines events through the same stream,
                                                                    detector and process_batch as the Glue job
python -m anomaly score --csv FILE --out FILE [--episodes]       flag anomalies (or alert episodes) in an export
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path


class InputError(ValueError):
    """Bad input: the message says what, where and how to fix it."""


def spark_session(app: str = "sensor-anomalies-local"):
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    from anomaly.pipeline import STATE_STORE_CONF

    builder = SparkSession.builder
    for key, value in STATE_STORE_CONF.items():
        builder = builder.config(key, value)
    return (
        builder.master(os.environ.get("SPARK_MASTER", "local[2]"))
        .appName(app)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", os.environ.get("SPARK_SHUFFLE_PARTITIONS", "4"))
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", os.environ.get("SPARK_DRIVER_MEMORY", "1500m"))
        .getOrCreate()
    )


def run_local(
    input_path: Path,
    output: Path,
    checkpoint: Path | None = None,
    spark=None,
    on_alerts=None,
    files_per_batch: int | None = None,
) -> dict[str, int]:
    """Run every file under `input_path` through the streaming job once (trigger availableNow), in micro-batches
    of `files_per_batch` files (all at once by default); `on_alerts(anomalies, episodes)` gets each batch's
    anomaly rows and episode records, as the Glue job's Aurora upsert does."""
    if files_per_batch is not None and files_per_batch < 1:
        raise InputError(f"--files-per-batch {files_per_batch}: must be 1 or more")
    from anomaly.pipeline import detect, parse
    from anomaly.sinks import Tables, process_batch

    if not input_path.exists():
        raise InputError(f"--input {input_path}: no such file or directory")
    spark = spark or spark_session()
    reader = spark.readStream.format("text")
    if files_per_batch:
        reader = reader.option("maxFilesPerTrigger", files_per_batch)
    source = str(input_path.resolve())
    if input_path.is_file():
        # Read a file as a glob that matches only it ("events.jsonl" -> "events.json[l]"), under its folder as the
        # base path: a plain file path makes Spark's stream source use the file as base path (refused), and
        # listing the folder would infer partitions from any table folders beside the file (refused as conflicts).
        escaped = re.sub(r"([\\*?\[\]{}])", r"\\\1", source)
        source = escaped[:-1] + "[" + escaped[-1] + "]" if source[-1] not in "\\*?[]{}" else escaped
        reader = reader.option("basePath", str(input_path.resolve().parent))
    raw = reader.load(source).withColumnRenamed("value", "data")
    output.mkdir(parents=True, exist_ok=True)
    tables = Tables(
        str((output / "curated").resolve()),
        str((output / "anomalies").resolve()),
        str((output / "quarantine").resolve()),
        str((output / "episodes").resolve()),
    )
    totals = dict.fromkeys(
        ("records", "curated", "anomalies", "quarantined", "episodes", "episodes_opened", "episodes_closed", "batches"),
        0,
    )

    def sink(frame, batch_id: int) -> None:
        counts = process_batch(frame, batch_id, tables, on_alerts)
        for key, value in counts.items():
            totals[key] = totals.get(key, 0) + value
        totals["batches"] += 1

    query = (
        detect(parse(raw))
        .writeStream.foreachBatch(sink)
        .option("checkpointLocation", str((checkpoint or output / "_checkpoint").resolve()))
        .trigger(availableNow=True)
        .start()
    )
    query.awaitTermination()
    return totals


ANOMALY_COLUMNS = [
    "timestamp",
    "device_id",
    "metric",
    "value",
    "rule",
    "severity",
    "expected_low",
    "expected_high",
    "message",
]
EPISODE_COLUMNS = [
    "episode_id",
    "device_id",
    "metric",
    "production_line",
    "start",
    "end",
    "last_anomaly",
    "status",
    "peak_severity",
    "rules",
    "first_value",
    "peak_value",
    "readings",
]


def score_csv(csv_path: Path, out_path: Path, episodes: bool = False) -> int:
    """Offline scoring of one or more series from a CSV export: one row per anomaly (rule) of a reading, or with
    `episodes` one row per alert episode. Returns the number of rows written."""
    from datetime import UTC, datetime

    import numpy as np
    import pandas as pd

    from anomaly.scoring import ExportError, read_export, score_frame

    writable_file(out_path, "--out")  # before the scoring: a wrong --out fails at once, not after it
    try:
        scored = list(score_frame(read_export(csv_path)))
    except ExportError as error:
        raise InputError(f"--csv {error}") from None

    def iso(ts: float | None) -> str | None:
        return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")

    if episodes:
        rows = [
            {
                **{k: v for k, v in e.to_dict().items() if not k.endswith("_ts")},
                "start": iso(e.start_ts),
                "end": iso(e.end_ts),
                "last_anomaly": iso(e.last_anomaly_ts),
                "rules": " ".join(e.rules),
            }
            for series in scored
            for e in series.episodes
        ]
        write_csv(pd.DataFrame(rows, columns=EPISODE_COLUMNS), out_path, "--out")
        return len(rows)
    flagged = [
        {
            "timestamp": series.labels[i],
            "device_id": series.device_id,
            "metric": series.metric,
            "value": a.value,
            "rule": a.rule,
            "severity": a.severity,
            "expected_low": a.expected_low,
            "expected_high": a.expected_high,
            "message": a.message,
        }
        for series in scored
        for i, anomalies in enumerate(series.anomalies)
        for a in anomalies
    ]
    frame = pd.DataFrame(flagged, columns=ANOMALY_COLUMNS).replace({np.inf: None, -np.inf: None})
    write_csv(frame, out_path, "--out")
    return len(flagged)


def writable_file(path: Path, option: str) -> None:
    """Refuse, in one line, an output path that cannot take a file: a folder, a missing or non-folder parent, a
    parent this user may not write to."""
    parent = path.parent
    if path.is_dir():
        raise InputError(f"{option} {path}: is a folder; give a file path in it, e.g. {option} {path / 'scored.csv'}")
    if not parent.exists():
        raise InputError(
            f"{option} {path}: folder {parent} does not exist; create it (mkdir -p {parent}) or choose another path"
        )
    if not parent.is_dir():
        raise InputError(f"{option} {path}: {parent} is not a folder; choose a path inside a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"{option} {path}: folder {parent} is not writable by this user; choose another folder")


def write_csv(frame, path: Path, option: str) -> None:
    """`frame.to_csv(path)`, a failure (permissions, a full disk, a path that vanished) as one line."""
    try:
        frame.to_csv(path, index=False)
    except OSError as error:
        reason = error.strerror or str(error)
        raise InputError(f"{option} {path}: cannot be written ({reason}); choose a writable path") from None


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if args[:1] == ["score"]:
            parser = argparse.ArgumentParser(prog="python -m anomaly score")
            parser.add_argument("--csv", type=Path, required=True, help="timestamp,value[,device_id,metric,...]")
            parser.add_argument("--out", type=Path, required=True)
            parser.add_argument("--episodes", action="store_true", help="one row per alert episode, not per anomaly")
            ns = parser.parse_args(args[1:])
            count = score_csv(ns.csv, ns.out, episodes=ns.episodes)
            print(f"{count} {'alert episode' if ns.episodes else 'anomalous reading'}(s) written to {ns.out}")
            return 0
        parser = argparse.ArgumentParser(prog="python -m anomaly")
        parser.add_argument("--input", type=Path, required=True, help="JSON-lines file or folder of them")
        parser.add_argument("--output", type=Path, required=True)
        parser.add_argument("--checkpoint", type=Path)
        parser.add_argument("--files-per-batch", type=int, help="micro-batch size in input files (default: all)")
        ns = parser.parse_args(args)
        started = time.perf_counter()
        totals = run_local(ns.input, ns.output, ns.checkpoint, files_per_batch=ns.files_per_batch)
        totals["seconds"] = round(time.perf_counter() - started, 2)
        print(json.dumps(totals))
        return 0
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
