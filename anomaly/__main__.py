"""Local runner and offline scorer for the anomaly job.

python -m anomaly --input PATH --output DIR [--checkpoint DIR]   JSON-lines events through the same stream,
                                                                    detector and process_batch as the Glue job
python -m anomaly score --csv FILE --out FILE [--episodes | --all-readings] [--plot FILE.png]
                                                                 score an export: one row per flagged reading (or
                                                                 per alert episode, or every reading's score)
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
    anomaly rows and episode records, as the Glue job's Aurora upsert does. A session it starts itself (no `spark`
    given) is stopped, with its JVM, before it returns."""
    if files_per_batch is not None and files_per_batch < 1:
        raise InputError(f"--files-per-batch {files_per_batch}: must be 1 or more")
    if not input_path.exists():
        raise InputError(f"--input {input_path}: no such file or directory")
    if spark is not None:
        return _run(spark, input_path, output, checkpoint, on_alerts, files_per_batch)
    spark = spark_session()
    try:
        return _run(spark, input_path, output, checkpoint, on_alerts, files_per_batch)
    finally:
        stop_spark(spark)


def stop_spark(spark, timeout_s: float = 30.0) -> None:
    """Stop a session this runner started, and the JVM behind it: `SparkSession.stop` leaves the gateway's Java
    process running until this Python exits, and a JVM stuck in native code (RocksDB) has outlived the runner.
    The JVM is asked to exit, then killed if it has not after `timeout_s`."""
    from pyspark import SparkContext

    gateway = SparkContext._gateway
    process = getattr(gateway, "proc", None)
    try:
        spark.stop()
    finally:
        if gateway is not None:
            gateway.shutdown()
        if process is not None:
            if process.stdin is not None:
                process.stdin.close()  # the gateway JVM exits when its parent's pipe closes
            try:
                process.wait(timeout_s)
            except Exception:  # still running: subprocess.TimeoutExpired
                process.kill()
                process.wait(timeout_s)
        SparkContext._gateway, SparkContext._jvm = None, None


def _run(spark, input_path: Path, output: Path, checkpoint: Path | None, on_alerts, files_per_batch: int | None):
    from anomaly.pipeline import detect, parse
    from anomaly.sinks import Tables, process_batch

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
    "score",
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
    "score",
    "first_value",
    "peak_value",
    "readings",
]
READING_COLUMNS = ["timestamp", "device_id", "metric", "value", "score", "reason", "alert"]
PLOT_SERIES = 12  # series drawn by --plot (the first ones, in name order)


def score_csv(
    csv_path: Path,
    out_path: Path,
    episodes: bool = False,
    all_readings: bool = False,
    plot: Path | None = None,
) -> int:
    """Offline scoring of one or more series from a CSV export: one row per anomaly (reason) of a flagged reading,
    with its score; or with `episodes` one row per alert episode; or with `all_readings` every reading's score and
    reason. `plot` draws the series, their scores and episodes into a PNG. Returns the number of rows written."""
    from datetime import UTC, datetime

    import numpy as np
    import pandas as pd

    from anomaly.detector import Params
    from anomaly.scoring import ExportError, read_export, score_frame

    if episodes and all_readings:
        raise InputError("--episodes and --all-readings: choose one (episodes, or every reading's score)")
    writable_file(out_path, "--out")  # before the scoring: a wrong --out fails at once, not after it
    if plot is not None:
        writable_file(plot, "--plot")
        pyplot = plotting()
    try:
        scored = list(score_frame(read_export(csv_path)))
    except ExportError as error:
        raise InputError(f"--csv {error}") from None
    threshold = Params().threshold

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
        frame = pd.DataFrame(rows, columns=EPISODE_COLUMNS)
    elif all_readings:
        rows = [
            {
                "timestamp": series.labels[i],
                "device_id": series.device_id,
                "metric": series.metric,
                "value": float(series.values[i]),
                "score": float(series.scores[i]),
                "reason": series.reasons[i],
                "alert": bool(series.scores[i] >= threshold),
            }
            for series in scored
            for i in range(len(series.values))
        ]
        frame = pd.DataFrame(rows, columns=READING_COLUMNS)
    else:
        rows = [
            {
                "timestamp": series.labels[i],
                "device_id": series.device_id,
                "metric": series.metric,
                "value": a.value,
                "rule": a.rule,
                "score": a.score,
                "severity": a.severity,
                "expected_low": a.expected_low,
                "expected_high": a.expected_high,
                "message": a.message,
            }
            for series in scored
            for i, anomalies in enumerate(series.anomalies)
            for a in anomalies
        ]
        frame = pd.DataFrame(rows, columns=ANOMALY_COLUMNS).replace({np.inf: None, -np.inf: None})
    write_csv(frame, out_path, "--out")
    if plot is not None:
        draw(pyplot, scored, threshold, plot)
    return len(rows)


def plotting():
    """matplotlib's pyplot on a file backend; refused in one line where it is not installed (the offline tool's
    dependency only: the Glue job never ships it)."""
    try:
        import matplotlib
    except ImportError:
        raise InputError(
            "--plot needs matplotlib, which is not installed in this Python: pip install -r requirements/job.txt"
        ) from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as pyplot

    return pyplot


def draw(pyplot, scored: list, threshold: float, path: Path) -> None:
    """Each series (up to PLOT_SERIES) as two panels: its readings with alert episodes shaded and alert readings
    marked, and its score with the alert threshold."""
    import numpy as np

    shown = scored[:PLOT_SERIES]
    figure, axes = pyplot.subplots(
        2 * max(1, len(shown)), 1, figsize=(14, 3.6 * max(1, len(shown))), squeeze=False, sharex=False
    )
    for n, series in enumerate(shown):
        top, bottom = axes[2 * n][0], axes[2 * n + 1][0]
        times = series.timestamps.astype("datetime64[s]")
        top.plot(times, series.values, lw=0.6, color="tab:blue")
        alert = series.scores >= threshold
        top.scatter(times[alert], series.values[alert], s=6, color="tab:red", zorder=3, label="alert reading")
        for e in series.episodes:
            end = e.end_ts if e.end_ts is not None else float(series.timestamps[-1])
            top.axvspan(np.datetime64(int(e.start_ts), "s"), np.datetime64(int(end), "s"), color="tab:red", alpha=0.12)
        top.set_title(
            f"{series.device_id} / {series.metric}: {len(series.episodes)} alert episode(s)", fontsize=9, loc="left"
        )
        bottom.plot(times, series.scores, lw=0.6, color="tab:green")
        bottom.axhline(threshold, color="tab:red", lw=0.6, ls="--")
        bottom.set_ylim(0, 1.05)
        bottom.set_ylabel("score", fontsize=8)
        for ax in (top, bottom):
            ax.tick_params(labelsize=7)
    if len(scored) > len(shown):
        figure.suptitle(f"the first {len(shown)} of {len(scored)} series", fontsize=9)
    figure.tight_layout()
    try:
        figure.savefig(path, dpi=90)
    except OSError as error:
        raise InputError(
            f"--plot {path}: cannot be written ({error.strerror or error}); choose a writable path"
        ) from None
    finally:
        pyplot.close(figure)


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
            parser.add_argument("--all-readings", action="store_true", help="every reading's score and reason")
            parser.add_argument("--plot", type=Path, help="draw series, scores and episodes into this PNG")
            ns = parser.parse_args(args[1:])
            count = score_csv(ns.csv, ns.out, episodes=ns.episodes, all_readings=ns.all_readings, plot=ns.plot)
            kind = "alert episode" if ns.episodes else "scored reading" if ns.all_readings else "anomaly row"
            print(f"{count} {kind}(s) written to {ns.out}" + (f", plot in {ns.plot}" if ns.plot else ""))
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
