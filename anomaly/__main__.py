"""Local runner and offline scorer for the anomaly job.

python -m anomaly --input PATH --output DIR [--checkpoint DIR]   JSON-lines events through the same stream,
                                                                    detector and process_batch as the Glue job
python -m anomaly score --csv FILE --out FILE                    flag anomalies in an exported series
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
        ("records", "curated", "anomalies", "quarantined", "episodes", "episodes_opened", "episodes_closed", "batches"), 0
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


def score_csv(csv_path: Path, out_path: Path) -> int:
    """Offline scoring of one or more series from a CSV export; returns the number of flagged rows."""
    import numpy as np
    import pandas as pd

    from anomaly.detector import Params, SeriesState, detect_series
    from anomaly.sensor_catalog import spec_for

    try:
        frame = pd.read_csv(csv_path)
    except FileNotFoundError:
        raise InputError(f"--csv {csv_path}: no such file") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise InputError(f"--csv {csv_path}: not a readable CSV ({str(error).splitlines()[0]})") from None
    missing = [c for c in ("timestamp", "value") if c not in frame.columns]
    if missing:
        raise InputError(
            f"--csv {csv_path}: missing column(s) {', '.join(missing)}; expected timestamp,value [,device_id,metric]"
        )
    times = pd.to_datetime(frame["timestamp"], utc=True, errors="coerce")
    values = pd.to_numeric(frame["value"], errors="coerce")
    bad = frame.index[times.isna() | values.isna()]
    if len(bad):
        lines = ", ".join(str(i + 2) for i in bad[:5])
        raise InputError(
            f"--csv {csv_path}: line(s) {lines} have an unreadable timestamp or value "
            f"({len(bad)} in all); fix or remove them"
        )
    frame = frame.assign(ts=times.astype("int64") / 1e9, value=values)
    frame["device_id"] = frame.get("device_id", pd.Series("series", index=frame.index)).fillna("series")
    frame["metric"] = frame.get("metric", pd.Series("value", index=frame.index)).fillna("value")
    flagged = []
    for (device, metric), group in frame.sort_values("ts", kind="stable").groupby(["device_id", "metric"], sort=True):
        found = detect_series(
            SeriesState(), group["ts"].to_numpy(), group["value"].to_numpy(dtype=float), spec_for(str(metric)), Params()
        )
        for (_, row), anomalies in zip(group.iterrows(), found, strict=True):
            for a in anomalies:
                flagged.append(
                    {
                        "timestamp": row["timestamp"],
                        "device_id": device,
                        "metric": metric,
                        "value": a.value,
                        "rule": a.rule,
                        "severity": a.severity,
                        "expected_low": a.expected_low,
                        "expected_high": a.expected_high,
                        "message": a.message,
                    }
                )
    columns = [
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
    pd.DataFrame(flagged, columns=columns).replace({np.inf: None, -np.inf: None}).to_csv(out_path, index=False)
    return len(flagged)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if args[:1] == ["score"]:
            parser = argparse.ArgumentParser(prog="python -m anomaly score")
            parser.add_argument("--csv", type=Path, required=True)
            parser.add_argument("--out", type=Path, required=True)
            ns = parser.parse_args(args[1:])
            count = score_csv(ns.csv, ns.out)
            print(f"{count} anomalous reading(s) written to {ns.out}")
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
