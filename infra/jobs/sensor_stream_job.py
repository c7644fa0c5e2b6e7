"""Glue 5.0 streaming entry point: Kinesis -> raw events in the lake, per micro-batch, with batch metrics.

This is the job the stack ships today. It lands every record in the raw zone (Parquet, partitioned by date and
production line) and publishes per-batch metrics; anomaly detection, curation, quarantine and the Aurora upsert
are added by the anomaly-job issue behind the same arguments, so the stack wiring does not change.
"""

from __future__ import annotations

import sys
import time

REQUIRED_ARGS = [
    "JOB_NAME",
    "stream_arn",
    "starting_position",
    "max_fetch_records_per_shard",
    "window_seconds",
    "checkpoint_location",
    "raw_path",
    "metrics_namespace",
    "production_line",
]


def main() -> None:  # pragma: no cover - runs only inside AWS Glue
    import boto3
    from awsglue.context import GlueContext
    from awsglue.job import Job
    from awsglue.utils import getResolvedOptions
    from pyspark.context import SparkContext
    from pyspark.sql import functions as F

    args = getResolvedOptions(sys.argv, REQUIRED_ARGS)
    glue_context = GlueContext(SparkContext.getOrCreate())
    job = Job(glue_context)
    job.init(args["JOB_NAME"], args)
    cloudwatch = boto3.client("cloudwatch")

    frame = glue_context.create_data_frame.from_options(
        connection_type="kinesis",
        connection_options={
            "streamARN": args["stream_arn"],
            "startingPosition": args["starting_position"],
            "maxFetchRecordsPerShard": int(args["max_fetch_records_per_shard"]),
            "emitConsumerLagMetrics": "true",
            "classification": "json",
            "inferSchema": "true",
        },
        transformation_ctx="sensor_stream",
    )

    def process_batch(batch, batch_id):
        started = time.time()
        records = batch.count()
        if records:
            (
                batch.withColumn("event_date", F.to_date(F.col("event_ts")))
                .withColumn("production_line", F.coalesce(F.col("production_line"), F.lit(args["production_line"])))
                .write.mode("append")
                .partitionBy("event_date", "production_line")
                .parquet(args["raw_path"])
            )
        cloudwatch.put_metric_data(
            Namespace=args["metrics_namespace"],
            MetricData=[
                {
                    "MetricName": "RecordsProcessed",
                    "Value": records,
                    "Dimensions": [{"Name": "JobName", "Value": args["JOB_NAME"]}],
                },
                {
                    "MetricName": "BatchSeconds",
                    "Value": time.time() - started,
                    "Dimensions": [{"Name": "JobName", "Value": args["JOB_NAME"]}],
                },
            ],
        )

    glue_context.forEachBatch(
        frame=frame,
        batch_function=process_batch,
        options={"windowSize": f"{args['window_seconds']} seconds", "checkpointLocation": args["checkpoint_location"]},
    )
    job.commit()


if __name__ == "__main__":  # pragma: no cover
    main()
