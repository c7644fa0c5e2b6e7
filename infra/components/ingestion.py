"""Ingestion: an environment's IoT registry pieces; per production line a Kinesis stream and two topic rules."""

from __future__ import annotations

import json

from constructs import Construct

from infra import aws
from infra.capacity import StreamPlan, plan_stream
from infra.constructs.iam import Statement, service_role
from infra.constructs.secure_bucket import SecureBucket
from infra.context import PlatformContext
from policies import suppress

# Devices publish to factory/<line>/<thing>/telemetry; the device policy binds <line> and <thing> to the thing's
# registry entry, so the topic (not a payload field) is where the rule learns which line a message belongs to.
TELEMETRY_TOPIC = "factory/{line}/{thing}/telemetry"
QUARANTINE_PREFIXES = ("iot-errors", "iot-rejected")  # failed actions; malformed or mismatched
LINE_ATTRIBUTE = "production_line"  # thing attribute: the line a device belongs to
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
LINE_VAR = f"$${{iot:Connection.Thing.Attributes[{LINE_ATTRIBUTE}]}}"


def line_id(line: int) -> str:
    """The production line's id, as in thing attributes, topics and events."""
    return f"line-{line}"


def device_policy_document(ctx: PlatformContext) -> str:
    """Each device connects as its own thing and publishes only to its own line's telemetry topic.

    A thing without the production_line attribute leaves the variable unresolved and gets no publish right
    (https://docs.aws.amazon.com/iot/latest/developerguide/thing-policy-variables.html).
    """
    topic = TELEMETRY_TOPIC.format(line=LINE_VAR, thing=THING_VAR)
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
                    "Sid": "PublishOwnLineTelemetry",
                    "Effect": "Allow",
                    "Action": "iot:Publish",
                    "Resource": ctx.arn("iot", f"topic/{topic}"),
                },
            ],
        }
    )


def accepted_sql(line: int) -> str:
    """Telemetry whose payload agrees with its topic: line and device come from the topic, the payload must match."""
    return (
        f"SELECT *, topic(2) AS production_line, topic(3) AS device_id, timestamp() AS ingest_ms "
        f"FROM '{TELEMETRY_TOPIC.format(line=line_id(line), thing='+')}' WHERE {_agrees()}"
    )


def quarantined_sql(line: int) -> str:
    """The exact complement of accepted_sql: malformed (not JSON, fields missing or not strings) or mismatched.

    A rule's WHERE drops what it does not match silently, so without this rule those messages would vanish
    (https://docs.aws.amazon.com/iot/latest/developerguide/iot-sql-where.html).
    """
    return (
        "SELECT encode(*, 'base64') AS payload_base64, topic() AS topic, clientid() AS client_id, "
        "timestamp() AS received_ms "
        f"FROM '{TELEMETRY_TOPIC.format(line=line_id(line), thing='+')}' WHERE NOT ({_agrees()})"
    )


def _agrees() -> str:
    # isString() is false for an undefined or non-string field, so NOT(...) is defined for every payload.
    return "isString(production_line) AND isString(device_id) AND production_line = topic(2) AND device_id = topic(3)"


class IotIngestion(Construct):
    """The environment's IoT registry pieces. The device endpoint, its TLS policy and IoT logging are account-wide:
    the account baseline owns them (infra/stacks/account_baseline.py) and this stack only reads the endpoint."""

    def __init__(self, scope: Construct, id_: str, ctx: PlatformContext) -> None:
        super().__init__(scope, id_)
        n = ctx.namer
        self.thing_type = aws.IotThingType(
            self,
            "thing-type",
            name=n.iot("sensor-gateway"),
            properties=aws.IotThingTypeProperties(
                description="Production-line sensor gateway", searchable_attributes=[LINE_ATTRIBUTE]
            ),
        )
        self.device_policy = aws.IotPolicy(
            self, "device-policy", name=n.iot("device-telemetry"), policy=device_policy_document(ctx)
        )


class LineIngestion(Construct):
    """One production line: its stream (encrypted with `stream_key`), sized by the capacity model, the topic rule
    that feeds it, and the rule that keeps what does not agree with its topic in `quarantine` (under `lake_key`)."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        ctx: PlatformContext,
        line: int,
        *,
        stream_key: aws.KmsKey,
        quarantine: SecureBucket,
        lake_key: aws.KmsKey,
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
            kms_key_id=stream_key.arn,
            shard_level_metrics=STREAM_METRICS,
            enforce_consumer_deletion=True,
            tags={"DataClassification": "confidential", "ProductionLine": str(line)},
        )
        self.rule_name = n.iot_rule(ctx.line_purpose("telemetry_to_kinesis", line))
        self.quarantine_rule_name = n.iot_rule(ctx.line_purpose("telemetry_quarantine", line))
        # Each rule's name and the action types it runs (what its failure alarms watch).
        self.rule_actions = {self.rule_name: ["Kinesis"], self.quarantine_rule_name: ["S3"]}
        rule_role = service_role(
            self,
            "rule-role",
            n.iam_role(ctx.line_purpose("iot-rule", line)),
            "iot.amazonaws.com",
            [
                Statement("PutToStream", ["kinesis:PutRecord", "kinesis:PutRecords"], [self.stream.arn]),
                Statement("EncryptStreamRecords", ["kms:GenerateDataKey"], [stream_key.arn]),
                Statement(
                    "QuarantineMessages",
                    ["s3:PutObject"],
                    [f"{quarantine.arn}/{prefix}/*" for prefix in QUARANTINE_PREFIXES],
                ),
                Statement("EncryptQuarantine", ["kms:GenerateDataKey", "kms:Encrypt"], [lake_key.arn]),
            ],
            ctx.account_id,
        )

        def quarantine_key(prefix: str) -> str:
            return f"{prefix}/$${{parse_time('yyyy-MM-dd', timestamp())}}/$${{topic(3)}}/$${{newuuid()}}.json"

        def rule(id_: str, name: str, description: str, sql: str, **action: list) -> aws.IotTopicRule:
            return aws.IotTopicRule(
                self,
                id_,
                name=name,
                description=description,
                enabled=True,
                sql=sql,
                sql_version="2016-03-23",
                error_action=aws.IotTopicRuleErrorAction(
                    s3=aws.IotTopicRuleErrorActionS3(
                        bucket_name=quarantine.name, key=quarantine_key("iot-errors"), role_arn=rule_role.arn
                    )
                ),
                **action,
            )

        self.rule = rule(
            "rule",
            self.rule_name,
            f"Telemetry of production line {line} whose payload agrees with its topic, into Kinesis",
            accepted_sql(line),
            kinesis=[
                aws.IotTopicRuleKinesis(
                    stream_name=self.stream.name, role_arn=rule_role.arn, partition_key="$${topic(3)}"
                )
            ],
        )
        self.quarantine_rule = rule(
            "quarantine-rule",
            self.quarantine_rule_name,
            f"Malformed or mismatched telemetry of production line {line}, kept in quarantine",
            quarantined_sql(line),
            s3=[
                aws.IotTopicRuleS3(
                    bucket_name=quarantine.name, key=quarantine_key("iot-rejected"), role_arn=rule_role.arn
                )
            ],
        )
        for rule in (self.rule, self.quarantine_rule):
            suppress(
                rule,
                "IOT-LOG-001",
                reason="IoT Core logging is account-wide (one aws_iot_logging_options per account and region): the "
                "account baseline stack owns it, and an environment must not (ENV-ACCT-001)",
            )
