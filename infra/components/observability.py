"""Observability: an encrypted TLS-only alert topic, alarms that page in minutes, and a dashboard."""

from __future__ import annotations

import json
from dataclasses import dataclass

from constructs import Construct

from infra import aws
from infra.capacity import iterator_age_threshold_ms
from infra.components.context import PlatformContext
from infra.components.iam import Statement, policy_document

ANOMALY_RATE_PERCENT = 5.0


@dataclass(frozen=True)
class AlarmSpec:
    purpose: str
    namespace: str
    metric: str
    dimensions: dict[str, str]
    statistic: str
    comparison: str
    threshold: float
    periods: int = 3
    period: int = 60
    description: str = ""


class Observability(Construct):
    def __init__(self, scope: Construct, id_: str, ctx: PlatformContext, *, log_key_arn: str) -> None:
        super().__init__(scope, id_)
        self.ctx = ctx
        n = ctx.namer
        self.topic = aws.SnsTopic(self, "alerts", name=n.sns_topic("alerts"), kms_master_key_id=log_key_arn)
        document = policy_document(
            self,
            "alerts-policy-doc",
            [
                Statement(
                    "DenyInsecureTransport",
                    ["sns:Publish", "sns:Subscribe", "sns:Receive"],
                    [self.topic.arn],
                    effect="Deny",
                    principals={"AWS": ["*"]},
                    conditions=[("Bool", "aws:SecureTransport", ["false"])],
                ),
                Statement(
                    "CloudWatchAlarmsPublish",
                    ["sns:Publish"],
                    [self.topic.arn],
                    principals={"Service": ["cloudwatch.amazonaws.com"]},
                    conditions=[("StringEquals", "aws:SourceAccount", [ctx.account_id])],
                ),
            ],
        )
        aws.SnsTopicPolicy(self, "alerts-policy", arn=self.topic.arn, policy=document.json)
        if ctx.config.alert_email:
            aws.SnsTopicSubscription(
                self, "alerts-email", topic_arn=self.topic.arn, protocol="email", endpoint=ctx.config.alert_email
            )
        self.alarms: dict[str, aws.CloudwatchMetricAlarm] = {}
        self.widgets: list[dict] = []

    def alarm(self, spec: AlarmSpec) -> aws.CloudwatchMetricAlarm:
        alarm = aws.CloudwatchMetricAlarm(
            self,
            f"alarm-{spec.purpose}",
            alarm_name=self.ctx.namer.alarm(spec.purpose),
            alarm_description=spec.description,
            namespace=spec.namespace,
            metric_name=spec.metric,
            dimensions=spec.dimensions,
            statistic=spec.statistic,
            comparison_operator=spec.comparison,
            threshold=spec.threshold,
            evaluation_periods=spec.periods,
            period=spec.period,
            treat_missing_data="notBreaching",
            alarm_actions=[self.topic.arn],
            ok_actions=[self.topic.arn],
        )
        self.alarms[spec.purpose] = alarm
        self.widgets.append(
            {
                "type": "metric",
                "width": 8,
                "height": 6,
                "properties": {
                    "title": spec.purpose,
                    "region": self.ctx.region,
                    "stat": spec.statistic,
                    "period": spec.period,
                    "metrics": [[spec.namespace, spec.metric, *[x for kv in spec.dimensions.items() for x in kv]]],
                    "annotations": {"horizontal": [{"value": spec.threshold, "label": "alarm"}]},
                },
            }
        )
        return alarm

    def stream_alarms(self, line_purpose: str, stream_name: str) -> None:
        dims = {"StreamName": stream_name}
        self.alarm(
            AlarmSpec(
                f"{line_purpose}-iterator-age",
                "AWS/Kinesis",
                "GetRecords.IteratorAgeMilliseconds",
                dims,
                "Maximum",
                "GreaterThanThreshold",
                iterator_age_threshold_ms(),
                description="Consumers are more than three micro-batch windows behind the stream",
            )
        )
        for metric, label in (
            ("WriteProvisionedThroughputExceeded", "write-throttles"),
            ("ReadProvisionedThroughputExceeded", "read-throttles"),
        ):
            self.alarm(
                AlarmSpec(
                    f"{line_purpose}-{label}",
                    "AWS/Kinesis",
                    metric,
                    dims,
                    "Sum",
                    "GreaterThanThreshold",
                    0,
                    periods=5,
                    description=f"Kinesis {label.replace('-', ' ')}: shards are saturated",
                )
            )

    def job_alarms(self, line_purpose: str, job_name: str, namespace: str) -> None:
        glue_dims = {"JobName": job_name, "JobRunId": "ALL", "Type": "count"}
        self.alarm(
            AlarmSpec(
                f"{line_purpose}-job-failed-tasks",
                "Glue",
                "glue.driver.aggregate.numFailedTasks",
                glue_dims,
                "Sum",
                "GreaterThanThreshold",
                0,
                periods=1,
                description="The streaming job has failed tasks",
            )
        )
        self.alarm(
            AlarmSpec(
                f"{line_purpose}-job-consumer-lag",
                "Glue",
                "glue.driver.streaming.maxConsumerLagInMs",
                {"JobName": job_name, "JobRunId": "ALL", "Type": "gauge"},
                "Maximum",
                "GreaterThanThreshold",
                iterator_age_threshold_ms(),
                description="The streaming job lags the stream by more than three windows",
            )
        )
        self.alarm(
            AlarmSpec(
                f"{line_purpose}-anomaly-rate",
                namespace,
                "AnomalyRatePercent",
                {"JobName": job_name},
                "Average",
                "GreaterThanThreshold",
                ANOMALY_RATE_PERCENT,
                periods=3,
                period=300,
                description=f"More than {ANOMALY_RATE_PERCENT}% of readings are anomalous",
            )
        )
        self.alarm(
            AlarmSpec(
                f"{line_purpose}-job-stalled",
                namespace,
                "RecordsProcessed",
                {"JobName": job_name},
                "Sum",
                "LessThanOrEqualToThreshold",
                0,
                periods=3,
                period=300,
                description="The streaming job processed nothing for 15 minutes",
            )
        )

    def database_alarms(self, cluster_identifier: str, max_connections: int) -> None:
        dims = {"DBClusterIdentifier": cluster_identifier}
        for purpose, metric, stat, comparison, threshold in (
            ("db-cpu", "CPUUtilization", "Average", "GreaterThanThreshold", 80),
            ("db-connections", "DatabaseConnections", "Maximum", "GreaterThanThreshold", max_connections),
            ("db-freeable-memory", "FreeableMemory", "Minimum", "LessThanThreshold", 256 * 1024 * 1024),
        ):
            self.alarm(
                AlarmSpec(
                    purpose,
                    "AWS/RDS",
                    metric,
                    dims,
                    stat,
                    comparison,
                    threshold,
                    periods=5,
                    description=f"Aurora {metric} crossed {threshold}",
                )
            )

    def iot_alarms(self, line_purpose: str, rule_name: str) -> None:
        self.alarm(
            AlarmSpec(
                f"{line_purpose}-iot-rule-failures",
                "AWS/IoT",
                "Failure",
                {"RuleName": rule_name, "ActionType": "Kinesis"},
                "Sum",
                "GreaterThanThreshold",
                0,
                periods=3,
                description="The IoT rule failed to put telemetry into Kinesis (messages go to quarantine)",
            )
        )

    def dashboard(self) -> aws.CloudwatchDashboard:
        return aws.CloudwatchDashboard(
            self,
            "dashboard",
            dashboard_name=self.ctx.namer.dashboard("operations"),
            dashboard_body=json.dumps({"widgets": self.widgets}),
        )
