"""Ingestion: IoT Core (device policy, TLS 1.2+ domain, logging) and one Kinesis stream per production line."""

from __future__ import annotations

import json

from constructs import Construct

from infra import aws
from infra.capacity import StreamPlan, plan_stream
from infra.components.context import PlatformContext
from infra.components.iam import Statement, service_role
from infra.components.logs import encrypted_log_group

TELEMETRY_TOPIC = "sensors/{thing}/telemetry"
TLS_POLICY = "IoTSecurityPolicy_TLS13_1_2_2022_10"
STREAM_METRICS = [
    "IncomingBytes",
    "IncomingRecords",
    "IteratorAgeMilliseconds",
    "OutgoingBytes",
    "OutgoingRecords",
    "ReadProvisionedThroughputExceeded",
    "WriteProvisionedThroughputExceeded",
]
# Terraform reads "${...}" as interpolation: "$${...}" keeps an IoT policy variable or SQL template literal.
THING_VAR = "$${iot:Connection.Thing.ThingName}"


def device_policy_document(ctx: PlatformContext) -> str:
    """Each device connects as its own thing name and publishes only to its own telemetry topic."""
    topic = TELEMETRY_TOPIC.format(thing=THING_VAR)
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "ConnectAsOwnThing",
                    "Effect": "Allow",
                    "Action": "iot:Connect",
                    "Resource": ctx.arn("iot", f"client/{THING_VAR}"),
                    "Condition": {"Bool": {"iot:Connection.Thing.IsAttached": "true"}},
                },
                {
                    "Sid": "PublishOwnTelemetry",
                    "Effect": "Allow",
                    "Action": "iot:Publish",
                    "Resource": ctx.arn("iot", f"topic/{topic}"),
                },
            ],
        }
    )


class IotIngestion(Construct):
    """Account-level IoT pieces shared by every production line."""

    def __init__(self, scope: Construct, id_: str, ctx: PlatformContext, log_key_arn: str) -> None:
        super().__init__(scope, id_)
        n = ctx.namer
        self.thing_type = aws.IotThingType(
            self,
            "thing-type",
            name=n.iot("sensor-gateway"),
            properties=aws.IotThingTypeProperties(
                description="Production-line sensor gateway", searchable_attributes=["production_line"]
            ),
        )
        self.device_policy = aws.IotPolicy(
            self, "device-policy", name=n.iot("device-telemetry"), policy=device_policy_document(ctx)
        )
        self.domain = aws.IotDomainConfiguration(
            self,
            "domain",
            name=n.iot("telemetry-domain"),
            service_type="DATA",
            tls_config=aws.IotDomainConfigurationTlsConfig(security_policy=TLS_POLICY),
            status="ENABLED",
        )
        self.endpoint = aws.DataAwsIotEndpoint(self, "endpoint", endpoint_type="iot:Data-ATS")
        # IoT Core writes its own logs to AWSIotLogsV2; we create that group so it is encrypted and retained.
        self.log_group = encrypted_log_group(self, "iot-log-group", ctx, "AWSIotLogsV2", log_key_arn)
        logging_role = service_role(
            self,
            "logging-role",
            n.iam_role("iot-logging"),
            "iot.amazonaws.com",
            [
                Statement(
                    "WriteIotLogs",
                    ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                    [self.log_group.arn, f"{self.log_group.arn}:*"],
                )
            ],
            ctx.account_id,
        )
        aws.IotLoggingOptions(
            self, "logging", default_log_level="WARN", role_arn=logging_role.arn, disable_all_logs=False
        )


class LineIngestion(Construct):
    """One production line: its stream, sized by the capacity model, and the topic rule that feeds it."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        ctx: PlatformContext,
        line: int,
        stream_key_arn: str,
        quarantine_bucket: str,
        quarantine_bucket_arn: str,
        lake_key_arn: str,
    ) -> None:
        super().__init__(scope, id_)
        n = ctx.namer
        sizing = ctx.config.sizing
        self.line = line
        self.plan: StreamPlan = plan_stream(
            sizing.events_per_second, sizing.avg_event_bytes, sizing.headroom, sizing.consumers
        )
        self.stream = aws.KinesisStream(
            self,
            "stream",
            name=n.kinesis(ctx.line_purpose("telemetry", line)),
            shard_count=None if sizing.on_demand else self.plan.shards,
            stream_mode_details=aws.KinesisStreamStreamModeDetails(
                stream_mode="ON_DEMAND" if sizing.on_demand else "PROVISIONED"
            ),
            retention_period=sizing.retention_hours,
            encryption_type="KMS",
            kms_key_id=stream_key_arn,
            shard_level_metrics=STREAM_METRICS,
            enforce_consumer_deletion=True,
            tags={"DataClassification": "confidential", "ProductionLine": str(line)},
        )
        self.rule_name = n.iot_rule(ctx.line_purpose("telemetry_to_kinesis", line))
        rule_role = service_role(
            self,
            "rule-role",
            n.iam_role(ctx.line_purpose("iot-rule", line)),
            "iot.amazonaws.com",
            [
                Statement("PutToStream", ["kinesis:PutRecord", "kinesis:PutRecords"], [self.stream.arn]),
                Statement("EncryptStreamRecords", ["kms:GenerateDataKey"], [stream_key_arn]),
                Statement("QuarantineFailedMessages", ["s3:PutObject"], [f"{quarantine_bucket_arn}/iot-errors/*"]),
                Statement("EncryptQuarantine", ["kms:GenerateDataKey", "kms:Encrypt"], [lake_key_arn]),
            ],
            ctx.account_id,
        )
        self.rule = aws.IotTopicRule(
            self,
            "rule",
            name=self.rule_name,
            description=f"Telemetry of production line {line} into Kinesis",
            enabled=True,
            sql=(
                "SELECT *, topic(2) AS device_id, timestamp() AS ingest_ms "
                f"FROM '{TELEMETRY_TOPIC.format(thing='+')}' WHERE production_line = 'line-{line}'"
            ),
            sql_version="2016-03-23",
            kinesis=[
                aws.IotTopicRuleKinesis(
                    stream_name=self.stream.name, role_arn=rule_role.arn, partition_key="$${topic(2)}"
                )
            ],
            error_action=aws.IotTopicRuleErrorAction(
                s3=aws.IotTopicRuleErrorActionS3(
                    bucket_name=quarantine_bucket,
                    key="iot-errors/$${parse_time('yyyy-MM-dd', timestamp())}/$${topic(2)}/$${newuuid()}.json",
                    role_arn=rule_role.arn,
                )
            ),
        )
