"""Idempotent per-batch writes: a re-run of the same micro-batch (restart from the checkpoint) never duplicates.

Each table's batch is written to a staging folder, its files moved into the partitions under a name that carries
the batch id (files of an interrupted earlier attempt with that id are removed first), then a commit marker is
written. A batch whose marker exists is skipped. Works on any Hadoop file system (local, S3).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from anomaly.pipeline import COLUMNS, EPISODE_SCHEMA


@dataclass(frozen=True)
class Tables:
    curated: str
    anomalies: str
    quarantine: str
    episodes: str


class HadoopFs:
    def __init__(self, spark: SparkSession, root: str) -> None:
        self._jvm = spark._jvm
        self._path = self._jvm.org.apache.hadoop.fs.Path(root)
        self.fs = self._path.getFileSystem(spark._jsc.hadoopConfiguration())

    def path(self, text: str):
        return self._jvm.org.apache.hadoop.fs.Path(text)

    def exists(self, text: str) -> bool:
        return self.fs.exists(self.path(text))

    def delete(self, text: str) -> None:
        self.fs.delete(self.path(text), True)

    def files(self, text: str) -> list[str]:
        if not self.exists(text):
            return []
        found, it = [], self.fs.listFiles(self.path(text), True)
        while it.hasNext():
            found.append(it.next().getPath().toString())
        return found

    def rename(self, source: str, target: str) -> None:
        parent = self.path(target).getParent()
        self.fs.mkdirs(parent)
        if not self.fs.rename(self.path(source), self.path(target)):
            raise OSError(f"could not move {source} to {target}")

    def touch(self, text: str) -> None:
        self.fs.create(self.path(text), True).close()


def _strip(uri: str) -> str:
    return uri.replace("file:/", "/", 1).replace("///", "/") if uri.startswith("file:") else uri


def write_batch(frame: DataFrame, table: str, batch_id: int, partitions: list[str], fmt: str = "parquet") -> str:
    """Write one table's part of a batch exactly once; returns 'written' or 'skipped'."""
    spark = frame.sparkSession
    fs = HadoopFs(spark, table)
    tag = f"batch{batch_id:010d}"
    marker = f"{table}/_committed/{tag}"
    staging = f"{table}/_staging/{tag}"
    if fs.exists(marker):
        fs.delete(staging)  # a crash between the marker and the staging delete left it: the replay removes it
        return "skipped"
    fs.delete(staging)
    frame.write.mode("overwrite").partitionBy(*partitions).format(fmt).save(staging)
    staged = [f for f in fs.files(staging) if not f.rsplit("/", 1)[-1].startswith(("_", "."))]
    staging_abs = fs.path(staging).makeQualified(fs.fs.getUri(), fs.fs.getWorkingDirectory()).toString()
    moves = []
    for source in staged:
        folder, _, name = source[len(staging_abs) :].lstrip("/").rpartition("/")
        moves.append((source, f"{table}/{folder}" if folder else table, name))
    # Files an interrupted earlier attempt of this batch left in the target partitions go first, once per folder.
    for target_dir in sorted({target for _, target, _ in moves}):
        for leftover in fs.files(target_dir):
            if leftover.rsplit("/", 1)[-1].startswith(f"{tag}-") and "/_" not in leftover[len(table) :]:
                fs.delete(leftover)
    for source, target_dir, name in moves:
        fs.rename(source, f"{target_dir}/{tag}-{name}")
    fs.touch(marker)
    fs.delete(staging)
    return "written"


def _micros(column: str):
    return F.expr(f"unix_micros({column})").alias(column)


def process_batch(
    frame: DataFrame,
    batch_id: int,
    tables: Tables,
    on_alerts: Callable[[list[dict[str, Any]], list[dict[str, Any]]], object] | None = None,
) -> dict[str, int]:
    """The per-micro-batch sink: curated events, anomalies, alert episodes and quarantine, each written exactly
    once (a re-run batch re-derives the same episode ids: see anomaly.episodes).

    `on_alerts(anomalies, episodes)` gets the batch's anomaly rows and episode records (for Aurora; times as epoch
    microseconds) while the batch is still cached: evaluating the micro-batch frame again after this returns would
    run the stateful detector a second time. A replayed batch delivers them again (the upsert by id makes that
    harmless, and it completes a delivery the crash may have cut short), but counts `episodes_opened` and
    `episodes_closed` (the EpisodesOpened/EpisodesClosed metrics that page) only where its episodes write was
    not skipped as already committed: a restart pages no incident twice.
    """
    frame = frame.persist()
    try:
        dated = frame.withColumn("event_date", F.date_format("event_ts", "yyyy-MM-dd"))
        events = dated.where(F.col("kind") == "event").drop(
            "kind", "rule", "expected_low", "expected_high", "severity", "message", "reason", "raw"
        )
        anomalies = (
            dated.where(F.col("kind") == "anomaly")
            .withColumn("detected_ts", F.current_timestamp())
            .select(
                "event_id",
                "device_id",
                "production_line",
                "metric",
                "value",
                "rule",
                "score",
                "expected_low",
                "expected_high",
                "severity",
                "message",
                "event_ts",
                "detected_ts",
                "event_date",
            )
        )
        record = F.from_json("message", EPISODE_SCHEMA)
        times = ("start_ts", "end_ts", "last_anomaly_ts")
        episodes = (
            frame.where(F.col("kind") == "episode")
            .select(record.alias("e"))
            .select(
                *[
                    F.expr(f"timestamp_micros(CAST(round(e.{f.name} * 1e6) AS BIGINT))").alias(f.name)
                    if f.name in times
                    else F.col(f"e.{f.name}").alias(f.name)
                    for f in EPISODE_SCHEMA.fields
                ],
                F.lit(batch_id).cast("long").alias("batch_id"),
                F.current_timestamp().alias("detected_ts"),
            )
            .withColumn("start_date", F.date_format("start_ts", "yyyy-MM-dd"))
        )
        quarantine = frame.where(F.col("kind") == "quarantine").select(
            "raw",
            "reason",
            "event_id",
            "device_id",
            "metric",
            F.date_format(F.current_timestamp(), "yyyy-MM-dd").alias("quarantine_date"),
        )
        counts = {row["kind"]: row["count"] for row in frame.groupBy("kind").count().collect()}
        write_batch(events, tables.curated, batch_id, ["event_date", "production_line"])
        write_batch(anomalies, tables.anomalies, batch_id, ["event_date"])
        write_batch(quarantine, tables.quarantine, batch_id, ["quarantine_date"], fmt="json")
        opened = closed = 0
        alert_anomalies: list[dict[str, Any]] = []
        alert_episodes: list[dict[str, Any]] = []
        if counts.get("episode", 0):
            written = write_batch(episodes, tables.episodes, batch_id, ["start_date"]) == "written"
            alert_episodes = [
                row.asDict()
                for row in episodes.select(*[_micros(c) if c in times else c for c in episodes.columns]).collect()
            ]
            if written:  # a replayed batch whose episodes were committed opened and closed nothing new
                opened = sum(1 for e in alert_episodes if e["opened"])
                closed = sum(1 for e in alert_episodes if e["status"] == "closed")
        if on_alerts is not None and (counts.get("anomaly", 0) or alert_episodes):
            if counts.get("anomaly", 0):
                alert_anomalies = [
                    row.asDict()
                    for row in anomalies.select(
                        *[_micros(c) if c == "event_ts" else c for c in anomalies.columns]
                    ).collect()
                ]
            on_alerts(alert_anomalies, alert_episodes)
        return {
            "records": counts.get("event", 0) + counts.get("quarantine", 0),
            "curated": counts.get("event", 0),
            "anomalies": counts.get("anomaly", 0),
            "quarantined": counts.get("quarantine", 0),
            "episodes": counts.get("episode", 0),
            "episodes_opened": opened,
            "episodes_closed": closed,
        }
    finally:
        frame.unpersist()


__all__ = ["COLUMNS", "Tables", "process_batch", "write_batch"]
