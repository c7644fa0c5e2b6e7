"""AWS Glue 5.0 streaming entry point: Kinesis -> parse/validate -> stateful detector -> lake, Aurora, metrics.

A thin shell: everything it calls lives in anomaly (shipped with --extra-py-files in one zip with its
dependencies) and is tested on local Spark. Before anything starts it checks what it cannot run without, and stops
with one line naming what is wrong (the RDS CA bundle, the arguments).
"""

from __future__ import annotations

import sys
import time
from typing import Any

# The contract with the stack: every one is passed as --<name> <value> (see `ARGUMENTS` for what each means).
ARGUMENTS = {
    "JOB_NAME": "the Glue job's name (Glue sets it)",
    "stream_arn": "the Kinesis stream to read",
    "starting_position": "TRIM_HORIZON or LATEST, for a new checkpoint",
    "max_fetch_records_per_shard": "Kinesis records per shard per micro-batch (maxFetchRecordsPerShard)",
    "max_fetch_time_ms": "time spent reading each shard per micro-batch (maxFetchTimeInMs)",
    "max_record_per_read": "records per GetRecords call (maxRecordPerRead)",
    "window_seconds": "the micro-batch window",
    "checkpoint_location": "s3:// folder of the stream's checkpoint (the detector state lives there)",
    "curated_path": "s3:// folder of the curated events table",
    "anomalies_path": "s3:// folder of the anomalous readings table",
    "episodes_path": "s3:// folder of the alert episodes table",
    "quarantine_path": "s3:// folder of the quarantine",
    "metrics_namespace": "CloudWatch namespace of the job's metrics",
    "db_endpoint": "Aurora cluster endpoint (host name; the certificate is checked against it)",
    "db_port": "Aurora port",
    "db_name": "database name",
    "db_user": "the application role the job logs in as with IAM authentication (anomaly_writer)",
    "rds_ca_bundle": "file name of AWS's RDS CA bundle, shipped with --extra-files (Glue copies it beside the script)",
}
REQUIRED_ARGS = list(ARGUMENTS)
# With inferSchema false and no schema, Glue hands each Kinesis record's text in this one column.
GLUE_RAW_COLUMN = "$json$data_infer_schema$_temporary$"


def startup(args: dict[str, str], rds_client: Any, connect: Any):
    """What the job needs before it reads a record: a verifying TLS context and the Aurora sink as the application
    role with IAM tokens. Raises SystemExit with one line when the job cannot run as configured."""
    from anomaly.aurora import AuroraSink, ConfigError, iam_token_credentials, tls_context
    from anomaly.sinks import Tables

    try:
        try:
            port = int(args["db_port"])
        except ValueError:
            raise ConfigError(f"--db_port {args['db_port']!r} is not a port number") from None
        context = tls_context(args["rds_ca_bundle"])
        credentials = iam_token_credentials(rds_client, args["db_endpoint"], port, args["db_user"])
        sink = AuroraSink(args["db_endpoint"], args["db_name"], credentials, connect, context, port=port)
    except ConfigError as error:
        raise SystemExit(f"sensor_stream_job: refusing to start: {error}") from None
    tables = Tables(args["curated_path"], args["anomalies_path"], args["quarantine_path"], args["episodes_path"])
    return tables, sink


def main() -> None:  # pragma: no cover - runs only inside AWS Glue
    import boto3
    import pg8000.native
    from awsglue.context import GlueContext
    from awsglue.job import Job
    from awsglue.utils import getResolvedOptions
    from pyspark.context import SparkContext
    from pyspark.sql import functions as F

    from anomaly.aurora import batch_metrics
    from anomaly.pipeline import STATE_STORE_CONF, detect, parse
    from anomaly.sinks import process_batch

    args = getResolvedOptions(sys.argv, REQUIRED_ARGS)
    tables, sink = startup(args, boto3.client("rds"), pg8000.native.Connection)
    glue_context = GlueContext(SparkContext.getOrCreate())
    glue_context.spark_session.conf.set("spark.sql.session.timeZone", "UTC")  # parse() reads ISO times as UTC
    for key, value in STATE_STORE_CONF.items():
        glue_context.spark_session.conf.set(key, value)
    job = Job(glue_context)
    job.init(args["JOB_NAME"], args)
    cloudwatch = boto3.client("cloudwatch")
    raw = glue_context.create_data_frame.from_options(
        connection_type="kinesis",
        connection_options={
            "streamARN": args["stream_arn"],
            "startingPosition": args["starting_position"],
            "maxFetchRecordsPerShard": int(args["max_fetch_records_per_shard"]),
            "maxFetchTimeInMs": int(args["max_fetch_time_ms"]),
            "maxRecordPerRead": int(args["max_record_per_read"]),
            "emitConsumerLagMetrics": "true",
            "classification": "json",
            "inferSchema": "false",
        },
        transformation_ctx="sensor_stream",
    )
    source = raw.select(F.col(f"`{GLUE_RAW_COLUMN}`").cast("string").alias("data"))
    tagged = detect(parse(source))

    def batch(frame, batch_id):
        started = time.time()
        counts = process_batch(frame, batch_id, tables, on_alerts=sink.upsert_alerts)
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
