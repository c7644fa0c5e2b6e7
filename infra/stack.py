"""The platform stack: composes the constructs, sets provider default tags, backend and outputs."""

from __future__ import annotations

from cdktf import LocalBackend, S3Backend, TerraformOutput, TerraformStack
from constructs import Construct

from infra import aws
from infra.components.audit import DetectiveControls
from infra.components.context import PlatformContext
from infra.components.database import DATABASE_NAME, MonitoringDatabase
from infra.components.governance import LakeGovernance
from infra.components.ingestion import IotIngestion, LineIngestion
from infra.components.keys import DOMAINS, PlatformKeys
from infra.components.lake import DataLake
from infra.components.network import PlatformNetwork
from infra.components.observability import Observability
from infra.components.processing import StreamProcessing, metrics_namespace
from infra.components.secrets import RotatedApiKey
from infra.config import PlatformConfig
from infra.naming import Namer

AWS_PROVIDER_VERSION = "5.100.0"
DB_MAX_CONNECTIONS_ALARM = 400


class IotPlatformStack(TerraformStack):
    def __init__(self, scope: Construct, config: PlatformConfig) -> None:
        super().__init__(scope, config.stack_name)
        self.config = config
        self.provider = aws.AwsProvider(
            self,
            "aws",
            region=config.region,
            default_tags=[aws.AwsProviderDefaultTags(tags=config.tags())],
        )
        self._backend(config)
        identity = aws.DataAwsCallerIdentity(self, "account")
        partition = aws.DataAwsPartition(self, "partition")
        ctx = PlatformContext(
            config=config,
            namer=Namer(config.name_prefix, config.environment_suffix),
            account_id=identity.account_id,
            partition=partition.partition,
        )
        self.ctx = ctx

        self.keys = PlatformKeys(self, "keys", ctx)
        log_key = self.keys.arn("observability")
        self.network = PlatformNetwork(self, "network", ctx, log_key)
        self.lake = DataLake(self, "lake", ctx, self.keys.arn("lake"))
        self.iot = IotIngestion(self, "iot", ctx, log_key)
        quarantine = self.lake.buckets["quarantine"]
        self.lines = [
            LineIngestion(
                self,
                f"line-{line}",
                ctx,
                line,
                stream_key_arn=self.keys.arn("stream"),
                quarantine_bucket=quarantine.name,
                quarantine_bucket_arn=quarantine.arn,
                lake_key_arn=self.keys.arn("lake"),
            )
            for line in range(1, config.production_lines + 1)
        ]
        self.database = MonitoringDatabase(
            self,
            "database",
            ctx,
            db_key_arn=self.keys.arn("database"),
            secrets_key_arn=self.keys.arn("secrets"),
            log_key_arn=log_key,
            subnet_ids=self.network.subnet_ids,
            security_group_id=self.network.db_sg.id,
        )
        self.processing = StreamProcessing(
            self,
            "processing",
            ctx,
            lake_key_arn=self.keys.arn("lake"),
            stream_key_arn=self.keys.arn("stream"),
            log_key_arn=log_key,
            buckets={purpose: b.bucket for purpose, b in self.lake.buckets.items()},
            subnet=self.network.private_subnets[0],
            security_group_id=self.network.job_sg.id,
            catalog_database=self.lake.database.name,
            streams=[line.stream for line in self.lines],
            db_secret_arn=self.database.secret_arn,
            db_endpoint=self.database.cluster.endpoint,
            secrets_key_arn=self.keys.arn("secrets"),
            db_name=DATABASE_NAME,
        )
        self.governance = LakeGovernance(
            self, "governance", ctx, lake=self.lake, lake_key_arn=self.keys.arn("lake"), job_role=self.processing.role
        )
        self.api_key = RotatedApiKey(
            self,
            "mes-api-key",
            ctx,
            secrets_key_arn=self.keys.arn("secrets"),
            log_key_arn=log_key,
            subnet_ids=self.network.subnet_ids,
            security_group_id=self.network.lambda_sg.id,
        )
        self.observability = Observability(self, "observability", ctx, log_key_arn=log_key)
        for line, job in zip(self.lines, self.processing.jobs, strict=True):
            purpose = ctx.line_purpose("line", line.line)
            self.observability.stream_alarms(purpose, line.stream.name)
            self.observability.iot_alarms(purpose, line.rule_name)
            self.observability.job_alarms(purpose, job.name, metrics_namespace(ctx))
        self.observability.database_alarms(self.database.cluster.cluster_identifier, DB_MAX_CONNECTIONS_ALARM)
        self.dashboard = self.observability.dashboard()
        self.detective = DetectiveControls(self, "detective-controls", ctx) if config.config_rules_enabled else None
        self._outputs()

    def _backend(self, config: PlatformConfig) -> None:
        if config.backend == "s3":
            S3Backend(
                self,
                bucket=config.state_bucket or "",
                key=config.state_key or f"iot-platform/{config.environment_suffix}/terraform.tfstate",
                region=config.region,
                encrypt=True,
                kms_key_id=config.state_kms_key_id,
            )
            # Terraform >= 1.10 locks state natively in S3; cdktf 0.21's S3Backend predates the option.
            self.add_override("terraform.backend.s3.use_lockfile", True)
        else:
            # Relative to the stack's folder in cdktf.out: state survives a re-synth and never lands in git.
            LocalBackend(self, path=f"../../../state/{config.stack_name}.tfstate")

    def output_values(self) -> dict[str, str]:
        """Flat output name -> value (tokens until deploy); the outputs schema lists the same names."""
        first = self.lines[0]
        b = self.lake.buckets
        values = {
            "environmentSuffix": self.config.environment_suffix,
            "profile": self.config.profile,
            "region": self.config.region,
            "streamName": first.stream.name,
            "streamArn": first.stream.arn,
            "streamShardCount": str(first.plan.shards),
            "iotEndpoint": self.iot.endpoint.endpoint_address,
            "iotTopicRuleName": first.rule_name,
            "iotPolicyName": self.iot.device_policy.name,
            "iotThingTypeName": self.iot.thing_type.name,
            "iotDomainConfigurationName": self.iot.domain.name,
            "rawBucketName": b["raw"].name,
            "curatedBucketName": b["curated"].name,
            "anomaliesBucketName": b["anomalies"].name,
            "quarantineBucketName": b["quarantine"].name,
            "scriptsBucketName": b["scripts"].name,
            "athenaResultsBucketName": b["athena-results"].name,
            "accessLogsBucketName": self.lake.access_logs.name,
            "glueDatabaseName": self.lake.database.name,
            "glueJobName": self.processing.jobs[0].name,
            "glueSecurityConfigurationName": self.processing.security_configuration.name,
            "glueJobRoleArn": self.processing.role.arn,
            "athenaWorkgroupName": self.lake.athena_workgroup.name,
            "analystRoleArn": self.governance.analyst_role.arn,
            "dbClusterIdentifier": self.database.cluster.cluster_identifier,
            "dbClusterEndpoint": self.database.cluster.endpoint,
            "dbClusterReaderEndpoint": self.database.cluster.reader_endpoint,
            "dbSecretArn": self.database.secret_arn,
            "mesApiKeySecretArn": self.api_key.secret.arn,
            "rotationLambdaName": self.api_key.function.function_name,
            "alertTopicArn": self.observability.topic.arn,
            "dashboardName": self.dashboard.dashboard_name,
            "vpcId": self.network.vpc.id,
            "metricsNamespace": metrics_namespace(self.ctx),
        }
        for domain in DOMAINS:
            values[f"kmsKeyArn{domain.capitalize()}"] = self.keys.arn(domain)
        for line in self.lines[1:]:
            values[f"streamNameL{line.line}"] = line.stream.name
        return values

    def _outputs(self) -> None:
        for name, value in self.output_values().items():
            TerraformOutput(self, name, value=value, sensitive=False)
