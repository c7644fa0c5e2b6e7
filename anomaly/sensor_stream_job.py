"""AWS Glue 5.0 streaming entry point: Kinesis -> parse/validate -> stateful detector -> lake, Aurora, metrics.

A thin shell: everything it calls lives in anomaly (shipped with --extra-py-files) and is tested on local Spark.
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
    "curated_path",
    "anomalies_path",
    "quarantine_path",
    "metrics_namespace",
    "db_secret_arn",
    "db_endpoint",
    "db_name",
    "rds_ca_bundle",
]
# With inferSchema false and no schema, Glue hands each Kinesis record's text in this one column.
GLUE_RAW_COLUMN = "$json$data_infer_schema$_temporary$"


def main() -> None:  # pragma: no cover - runs only inside AWS Glue
    import boto3
    from awsglue.context import GlueContext
    from awsglue.job import Job
    from awsglue.utils import getResolvedOptions
    from pyspark.context import SparkContext
    from pyspark.sql import functions as F

    from anomaly.aurora import CachedSecret, batch_metrics, tls_context, upsert_anomalies
    from anomaly.pipeline import detect, parse
    from anomaly.sinks import Tables, process_batch

    args = getResolvedOptions(sys.argv, REQUIRED_ARGS)
    glue_context = GlueContext(SparkContext.getOrCreate())
    glue_context.spark_session.conf.set("spark.sql.session.timeZone", "UTC")  # parse() reads ISO times as UTC
    job = Job(glue_context)
    job.init(args["JOB_NAME"], args)
    cloudwatch = boto3.client("cloudwatch")
    secret = CachedSecret(boto3.client("secretsmanager"), args["db_secret_arn"], ttl_s=300)
    ssl_context = tls_context(args["rds_ca_bundle"])
    import pg8000.native

    raw = glue_context.create_data_frame.from_options(
        connection_type="kinesis",
        connection_options={
            "streamARN": args["stream_arn"],
            "startingPosition": args["starting_position"],
            "maxFetchRecordsPerShard": int(args["max_fetch_records_per_shard"]),
            "emitConsumerLagMetrics": "true",
            "classification": "json",
            "inferSchema": "false",
        },
        transformation_ctx="sensor_stream",
    )
    source = raw.select(F.col(f"`{GLUE_RAW_COLUMN}`").cast("string").alias("data"))
    tagged = detect(parse(source))
    tables = Tables(args["curated_path"], args["anomalies_path"], args["quarantine_path"])

    def batch(frame, batch_id):
        started = time.time()

        def to_aurora(anomalies):
            upsert_anomalies(
                anomalies, secret, args["db_endpoint"], args["db_name"], pg8000.native.Connection, ssl_context
            )

        counts = process_batch(frame, batch_id, tables, on_anomalies=to_aurora)
        cloudwatch.put_metric_data(
            Namespace=args["metrics_namespace"],
            MetricData=batch_metrics(args["JOB_NAME"], counts, time.time() - started),
        )

    glue_context.forEachBatch(
        frame=tagged,
        batch_function=batch,
        options={"windowSize": f"{args['window_seconds']} seconds", "checkpointLocation": args["checkpoint_location"]},
    )
    job.commit()


if __name__ == "__main__":  # pragma: no cover
    main()
