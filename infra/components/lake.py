"""The S3 data lake: secure buckets, Glue Data Catalog, Lake Formation governance and an Athena workgroup."""

from __future__ import annotations

from anomaly.event_schema import ANOMALY_COLUMNS, EPISODE_COLUMNS, glue_columns
from infra import aws
from infra.components.ingestion import line_id
from infra.constructs.secure_bucket import BucketSpec, SecureBucket
from infra.context import PlatformContext
from policies.framework import Construct

# What each bucket holds and how long; production keeps history, ephemeral environments expire it sooner.
BUCKETS = (
    BucketSpec("raw", "confidential", None, 30, 30),
    BucketSpec("curated", "confidential", None, 90, 30),
    BucketSpec("anomalies", "confidential", None, 90, 30),
    BucketSpec("quarantine", "confidential", 90, None, 7),
    BucketSpec("scripts", "internal", None, None, 30),
    BucketSpec("athena-results", "confidential", 30, None, 7),
)
ACCESS_LOGS = BucketSpec("access-logs", "internal", 365, 30, 30)
PARQUET_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
# Where the job writes each table of anomaly.sinks (the Tables field): (bucket purpose, key prefix). The stack
# passes these as --<field>_path, grants the job exactly these prefixes, and the catalog tables sit at them.
TABLE_PATHS = {
    "curated": ("curated", "sensor_events"),
    "anomalies": ("anomalies", "anomalies"),
    "episodes": ("anomalies", "episodes"),
    "quarantine": ("quarantine", "job"),
}
# Partition projection (https://docs.aws.amazon.com/athena/latest/ug/partition-projection-supported-types.html):
# days from before the platform's first reading to a day ahead of now (a device clock running up to a day fast,
# UTC); a reading dated outside the range is stored but invisible to Athena, which returns no rows for it.
PROJECTED_DAYS = "2020-01-01,NOW+1DAYS"
DATE_FORMAT = "yyyy-MM-dd"  # the job's date_format of event_date and start_date (anomaly/sinks.py)


class DataLake(Construct):
    def __init__(self, scope: Construct, id_: str, ctx: PlatformContext, key: aws.KmsKey) -> None:
        super().__init__(scope, id_)
        n = ctx.namer
        self.access_logs = SecureBucket(
            self,
            "access-logs",
            ctx,
            ACCESS_LOGS,
            key=None,
            log_bucket=None,
        )
        self.buckets: dict[str, SecureBucket] = {
            spec.purpose: SecureBucket(self, spec.purpose, ctx, spec, key, self.access_logs) for spec in BUCKETS
        }

        self.database = aws.GlueCatalogDatabase(
            self,
            "catalog-db",
            name=n.glue_catalog("sensors"),
            description="Curated sensor events and detected anomalies",
        )
        lines = ",".join(line_id(line) for line in range(1, ctx.config.production_lines + 1))
        self.events_table = self._table(
            "events-table",
            "sensor_events",
            "curated",
            glue_columns(),
            {"event_date": {"type": "date"}, "production_line": {"type": "enum", "values": lines}},
        )
        self.anomalies_table = self._table(
            "anomalies-table", "anomalies", "anomalies", list(ANOMALY_COLUMNS), {"event_date": {"type": "date"}}
        )
        self.episodes_table = self._table(
            "episodes-table", "episodes", "episodes", list(EPISODE_COLUMNS), {"start_date": {"type": "date"}}
        )

        self.athena_workgroup = aws.AthenaWorkgroup(
            self,
            "athena",
            name=n.athena_workgroup("analytics"),
            state="ENABLED",
            force_destroy=not ctx.production,
            configuration=aws.AthenaWorkgroupConfiguration(
                enforce_workgroup_configuration=True,
                publish_cloudwatch_metrics_enabled=True,
                bytes_scanned_cutoff_per_query=10 * 1024**3,
                result_configuration=aws.AthenaWorkgroupConfigurationResultConfiguration(
                    output_location=f"s3://{self.buckets['athena-results'].name}/results/",
                    encryption_configuration=aws.AthenaWorkgroupConfigurationResultConfigurationEncryptionConfiguration(
                        encryption_option="SSE_KMS", kms_key_arn=key.arn
                    ),
                ),
            ),
            tags={"DataClassification": "confidential"},
        )
        # Catalog encryption is account-wide: the account baseline owns it (infra/stacks/account_baseline.py).

    def _table(
        self,
        id_: str,
        name: str,
        field: str,
        columns: list[tuple[str, str, str]],
        partitions: dict[str, dict[str, str]],
    ) -> aws.GlueCatalogTable:
        """A Parquet table where the job writes `field` (TABLE_PATHS), its partitions projected by Athena: the job
        registers none, and Athena reads a partitioned table's partitions from the catalog unless it projects them
        (https://docs.aws.amazon.com/athena/latest/ug/partition-projection.html)."""
        purpose, prefix = TABLE_PATHS[field]
        location = f"s3://{self.buckets[purpose].name}/{prefix}/"
        projection = {"projection.enabled": "true"}
        for key, spec in partitions.items():
            if spec["type"] == "date":
                spec = {
                    **spec,
                    "range": PROJECTED_DAYS,
                    "format": DATE_FORMAT,
                    "interval": "1",
                    "interval.unit": "DAYS",
                }
            projection.update({f"projection.{key}.{option}": value for option, value in spec.items()})
        # The job's layout, Hive style (Spark's partitionBy): $${key} reaches Glue as the ${key} Athena fills in.
        projection["storage.location.template"] = location + "".join(f"{key}=$${{{key}}}/" for key in partitions)
        return aws.GlueCatalogTable(
            self,
            id_,
            name=name,
            database_name=self.database.name,
            table_type="EXTERNAL_TABLE",
            parameters={"classification": "parquet", "parquet.compression": "SNAPPY", "EXTERNAL": "TRUE", **projection},
            partition_keys=[aws.GlueCatalogTablePartitionKeys(name=p, type="string") for p in partitions],
            storage_descriptor=aws.GlueCatalogTableStorageDescriptor(
                location=location,
                input_format="org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
                output_format="org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
                ser_de_info=aws.GlueCatalogTableStorageDescriptorSerDeInfo(
                    name="parquet", serialization_library=PARQUET_SERDE
                ),
                columns=[
                    aws.GlueCatalogTableStorageDescriptorColumns(name=c, type=t, comment=comment)
                    for c, t, comment in columns
                    if c not in partitions
                ],
            ),
        )
