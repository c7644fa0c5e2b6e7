"""The S3 data lake: secure buckets, Glue Data Catalog, Lake Formation governance and an Athena workgroup."""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from anomaly.event_schema import EPISODE_COLUMNS, glue_columns
from infra import aws
from infra.components.context import PlatformContext
from infra.components.iam import Statement, policy_document


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
        event_columns = glue_columns({"ingest_ts": "timestamp"})
        anomaly_columns = [
            ("event_id", "string", "event that triggered the anomaly"),
            ("device_id", "string", "IoT thing name"),
            ("production_line", "string", "production line id"),
            ("metric", "string", "metric type"),
            ("value", "double", "observed value"),
            ("rule", "string", "detector rule that fired"),
            ("expected_low", "double", "lower bound of the expected range"),
            ("expected_high", "double", "upper bound of the expected range"),
            ("severity", "string", "info, warning or critical"),
            ("event_ts", "timestamp", "when the reading was taken"),
            ("detected_ts", "timestamp", "when the job flagged it"),
        ]
        self.events_table = self._table("events-table", "sensor_events", "curated", event_columns)
        self.anomalies_table = self._table("anomalies-table", "anomalies", "anomalies", anomaly_columns)
        self.episodes_table = self._table(
            "episodes-table", "episodes", "anomalies", list(EPISODE_COLUMNS), partitions=["start_date"]
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
        bucket: str,
        columns: list[tuple[str, str, str]],
        partitions: list[str] | None = None,
    ) -> aws.GlueCatalogTable:
        if partitions is None:
            partitions = ["event_date", "production_line"] if name == "sensor_events" else ["event_date"]
        return aws.GlueCatalogTable(
            self,
            id_,
            name=name,
            database_name=self.database.name,
            table_type="EXTERNAL_TABLE",
            parameters={"classification": "parquet", "parquet.compression": "SNAPPY"},
            partition_keys=[aws.GlueCatalogTablePartitionKeys(name=p, type="string") for p in partitions],
            storage_descriptor=aws.GlueCatalogTableStorageDescriptor(
                location=f"s3://{self.buckets[bucket].name}/{name}/",
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
