"""The S3 data lake: secure buckets, Glue Data Catalog, Lake Formation governance and an Athena workgroup."""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from anomaly.event_schema import EPISODE_COLUMNS, glue_columns
from infra import aws
from infra.components.context import PlatformContext
from infra.components.iam import Statement, policy_document
from infra.components.ingestion import line_id


@dataclass(frozen=True)
class BucketSpec:
    purpose: str
    classification: str
    current_days: int | None  # expire current objects after this many days (None: keep)
    ia_after_days: int | None  # move to STANDARD_IA after this many days
    noncurrent_days: int


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
# The anomalies the job writes (anomaly.sinks.process_batch), in its column order; event_date is the partition.
ANOMALY_COLUMNS = (
    ("event_id", "string", "event that triggered the anomaly"),
    ("device_id", "string", "IoT thing name"),
    ("production_line", "string", "production line id"),
    ("metric", "string", "metric type"),
    ("value", "double", "observed value"),
    ("rule", "string", "detector rule that fired"),
    ("expected_low", "double", "lower bound of the expected range"),
    ("expected_high", "double", "upper bound of the expected range"),
    ("severity", "string", "info, warning or critical"),
    ("message", "string", "what the detector saw, for the operator"),
    ("event_ts", "timestamp", "when the reading was taken"),
    ("detected_ts", "timestamp", "when the job flagged it"),
    ("event_date", "string", "partition: day of event_ts (UTC)"),
)


class SecureBucket(Construct):
    """SSE-KMS with bucket key, versioning, public access block, TLS-only policy, access logging, lifecycle."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        ctx: PlatformContext,
        spec: BucketSpec,
        key_arn: str | None,
        log_bucket: SecureBucket | None,
    ) -> None:
        super().__init__(scope, id_)
        self.spec = spec
        self.bucket = aws.S3Bucket(
            self,
            "bucket",
            bucket=ctx.namer.s3_bucket(spec.purpose),
            force_destroy=not ctx.production,
            object_lock_enabled=False,
            tags={"DataClassification": spec.classification, "Purpose": spec.purpose},
        )
        aws.S3BucketOwnershipControls(
            self,
            "ownership",
            bucket=self.bucket.id,
            rule=aws.S3BucketOwnershipControlsRule(object_ownership="BucketOwnerEnforced"),
        )
        aws.S3BucketPublicAccessBlock(
            self,
            "public-access-block",
            bucket=self.bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
        )
        # S3 server access logs can only be delivered to an SSE-S3 bucket: the log bucket is the one exception.
        by_default = (
            aws.S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(
                sse_algorithm="aws:kms", kms_master_key_id=key_arn
            )
            if key_arn
            else aws.S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(
                sse_algorithm="AES256"
            )
        )
        aws.S3BucketServerSideEncryptionConfigurationA(
            self,
            "encryption",
            bucket=self.bucket.id,
            rule=[
                aws.S3BucketServerSideEncryptionConfigurationRuleA(
                    apply_server_side_encryption_by_default=by_default, bucket_key_enabled=bool(key_arn)
                )
            ],
        )
        aws.S3BucketVersioningA(
            self,
            "versioning",
            bucket=self.bucket.id,
            versioning_configuration=aws.S3BucketVersioningVersioningConfiguration(status="Enabled"),
        )
        if log_bucket is not None:
            aws.S3BucketLoggingA(
                self,
                "logging",
                bucket=self.bucket.id,
                target_bucket=log_bucket.bucket.id,
                target_prefix=f"{spec.purpose}/",
                depends_on=[log_bucket.policy],  # S3 checks the log bucket grants delivery before logging starts
            )
        statements = [
            Statement(
                "DenyInsecureTransport",
                ["s3:*"],
                [self.bucket.arn, f"{self.bucket.arn}/*"],
                effect="Deny",
                principals={"AWS": ["*"]},
                conditions=[("Bool", "aws:SecureTransport", ["false"])],
            ),
            Statement(
                "DenyOutdatedTls",
                ["s3:*"],
                [self.bucket.arn, f"{self.bucket.arn}/*"],
                effect="Deny",
                principals={"AWS": ["*"]},
                conditions=[("NumericLessThan", "s3:TlsVersion", ["1.2"])],
            ),
        ]
        if log_bucket is None:
            # This is the log bucket: S3's logging service may write, for this account's buckets only.
            statements.append(
                Statement(
                    "S3ServerAccessLogDelivery",
                    ["s3:PutObject"],
                    [f"{self.bucket.arn}/*"],
                    principals={"Service": ["logging.s3.amazonaws.com"]},
                    conditions=[
                        ("StringEquals", "aws:SourceAccount", [ctx.account_id]),
                        ("ArnLike", "aws:SourceArn", [f"arn:{ctx.partition}:s3:::{ctx.namer.prefix}-*"]),
                    ],
                )
            )
        document = policy_document(self, "policy-doc", statements)
        self.policy = aws.S3BucketPolicy(self, "policy", bucket=self.bucket.id, policy=document.json)
        aws.S3BucketLifecycleConfiguration(self, "lifecycle", bucket=self.bucket.id, rule=[self._lifecycle(ctx)])

    def _lifecycle(self, ctx: PlatformContext) -> aws.S3BucketLifecycleConfigurationRule:
        spec = self.spec
        keep_days = spec.current_days if ctx.production else min(spec.current_days or 30, 30)
        return aws.S3BucketLifecycleConfigurationRule(
            id=f"{spec.purpose}-retention",
            status="Enabled",
            filter=[aws.S3BucketLifecycleConfigurationRuleFilter(prefix="")],
            transition=(
                [aws.S3BucketLifecycleConfigurationRuleTransition(days=spec.ia_after_days, storage_class="STANDARD_IA")]
                if spec.ia_after_days and ctx.production
                else None
            ),
            expiration=([aws.S3BucketLifecycleConfigurationRuleExpiration(days=keep_days)] if keep_days else None),
            noncurrent_version_expiration=[
                aws.S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(noncurrent_days=spec.noncurrent_days)
            ],
            abort_incomplete_multipart_upload=[
                aws.S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload(days_after_initiation=7)
            ],
        )

    @property
    def name(self) -> str:
        return self.bucket.bucket

    @property
    def arn(self) -> str:
        return self.bucket.arn


class DataLake(Construct):
    def __init__(self, scope: Construct, id_: str, ctx: PlatformContext, lake_key_arn: str) -> None:
        super().__init__(scope, id_)
        n = ctx.namer
        self.access_logs = SecureBucket(
            self,
            "access-logs",
            ctx,
            ACCESS_LOGS,
            key_arn=None,
            log_bucket=None,
        )
        self.buckets: dict[str, SecureBucket] = {
            spec.purpose: SecureBucket(self, spec.purpose, ctx, spec, lake_key_arn, self.access_logs)
            for spec in BUCKETS
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
                        encryption_option="SSE_KMS", kms_key_arn=lake_key_arn
                    ),
                ),
            ),
            tags={"DataClassification": "confidential"},
        )
        # Catalog encryption is account-wide: the account baseline owns it (infra/baseline.py).

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
