"""An environment of the platform (one per PR suffix): composes the components, sets provider default tags, backend
and outputs."""

from __future__ import annotations

from cdktf import TerraformOutput, TerraformStack
from constructs import Construct

from infra import aws
from infra.backend import state_backend
from infra.capacity import plan_glue_read, plan_stream
from infra.components.baseline_reader import BaselineReader
from infra.components.database import MonitoringDatabase
from infra.components.detective_controls import DetectiveControls, config_rule_identifiers
from infra.components.governance import LakeGovernance
from infra.components.ingestion import IotIngestion, LineIngestion
from infra.components.job_keeper import JobKeeper
from infra.components.keys import DOMAINS, PlatformKeys
from infra.components.lake import DataLake
from infra.components.network import PlatformNetwork
from infra.components.observability import Observability
from infra.components.processing import StreamProcessing
from infra.components.rotated_api_key import RotatedApiKey
from infra.components.schema_migration import SchemaMigration
from infra.config import PlatformConfig
from infra.context import PlatformContext
from infra.naming import Namer
from policies.metadata import ENVIRONMENT, declare_environment, declare_stack_kind

AWS_PROVIDER_VERSION = "5.100.0"
DB_MAX_CONNECTIONS_ALARM = 400


class IotPlatformStack(TerraformStack):
    def __init__(self, scope: Construct, config: PlatformConfig) -> None:
        super().__init__(scope, config.stack_name)
        declare_stack_kind(self, ENVIRONMENT)
        declare_environment(self, config.environment_suffix)  # a baseline names the stack and its ARNs without it
        self.config = config
        self.provider = aws.AwsProvider(
            self,
            "aws",
            region=config.region,
            default_tags=[aws.AwsProviderDefaultTags(tags=config.tags())],
        )
        state_backend(self, config, f"iot-platform/{config.environment_suffix}/terraform.tfstate", config.stack_name)
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
        keys = self.keys.key
        self.network = PlatformNetwork(self, "network", ctx, keys("observability"))
        self.lake = DataLake(self, "lake", ctx, keys("lake"))
        self.account = BaselineReader(self, "account-baseline", ctx)
        self.iot = IotIngestion(self, "iot", ctx)
        self.lines = [
            LineIngestion(
                self,
                f"line-{line}",
                ctx,
                line,
                stream_key=keys("stream"),
                quarantine=self.lake.buckets["quarantine"],
                lake_key=keys("lake"),
            )
            for line in range(1, config.production_lines + 1)
        ]
        network = self.network
        self.database = MonitoringDatabase(
            self,
            "database",
            ctx,
            key=keys("database"),
            secrets_key=keys("secrets"),
            placement=network.placement(network.db_sg),
        )
        sizing = config.sizing
        self.drain = plan_glue_read(
            sizing.events_per_second,
            sizing.avg_event_bytes,
            plan_stream(sizing.events_per_second, sizing.avg_event_bytes, sizing.headroom, sizing.consumers).shards,
            workers=config.glue_workers,
            consumers=sizing.consumers,
        )
        self.processing = StreamProcessing(
            self,
            "processing",
            ctx,
            lake=self.lake,
            lake_key=keys("lake"),
            stream_key=keys("stream"),
            placement=network.placement(network.job_sg),
            streams=[line.stream for line in self.lines],
            database=self.database,
            baseline=self.account,
            drain=self.drain,
        )
        self.governance = LakeGovernance(
            self,
            "governance",
            ctx,
            lake=self.lake,
            lake_key=keys("lake"),
            baseline=self.account,
            job_role=self.processing.role,
        )
        # The platform's functions: in the private subnets behind the Lambda security group, their environment
        # encrypted with the secrets key.
        functions = network.placement(network.lambda_sg)
        self.migration = SchemaMigration(
            self, "schema-migration", ctx, database=self.database, secrets_key=keys("secrets"), placement=functions
        )
        self.keeper = JobKeeper(
            self,
            "job-keeper",
            ctx,
            processing=self.processing,
            migration=self.migration,
            key=keys("secrets"),
            placement=functions,
        )
        self.api_key = RotatedApiKey(self, "mes-api-key", ctx, key=keys("secrets"), placement=functions)
        self.observability = Observability(self, "observability", ctx, log_key=keys("observability"))
        window = self.drain.settings.window_seconds
        for line, job in zip(self.lines, self.processing.jobs, strict=True):
            purpose = ctx.line_purpose("line", line.line)
            self.observability.stream_alarms(purpose, line.stream, window)
            self.observability.iot_alarms(purpose, line.rule_actions)
            self.observability.job_alarms(purpose, job, self.processing.metrics_namespace, window)
        self.observability.database_alarms(self.database.cluster, DB_MAX_CONNECTIONS_ALARM)
        self.dashboard = self.observability.dashboard()
        self.detective = (
            DetectiveControls(self, "detective-controls", ctx, config_rule_identifiers())
            if config.config_rules_enabled
            else None
        )
        self._outputs()

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
            "iotEndpoint": self.account.device_endpoint,
            "iotTopicRuleName": first.rule_name,
            "iotPolicyName": self.iot.device_policy.name,
            "iotThingTypeName": self.iot.thing_type.name,
            "iotQuarantineRuleName": first.quarantine_rule_name,
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
            "jobKeeperLambdaName": self.keeper.lambda_.name,
            "schemaMigrationLambdaName": self.migration.lambda_.name,
            "alertTopicArn": self.observability.topic.arn,
            "dashboardName": self.dashboard.dashboard_name,
            "vpcId": self.network.vpc.id,
            "metricsNamespace": self.processing.metrics_namespace,
        }
        for domain in DOMAINS:
            values[f"kmsKeyArn{domain.capitalize()}"] = self.keys.arn(domain)
        for line in self.lines[1:]:
            values[f"streamNameL{line.line}"] = line.stream.name
        return values

    def _outputs(self) -> None:
        for name, value in self.output_values().items():
            TerraformOutput(self, name, value=value, sensitive=False)
