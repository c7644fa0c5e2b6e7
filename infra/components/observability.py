"""Observability: an encrypted TLS-only alert topic, alarms that page in minutes, and a dashboard."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from constructs import Construct

from infra import aws
from infra.capacity import iterator_age_threshold_ms
from infra.constructs.iam import Statement, policy_document
from infra.context import PlatformContext

ANOMALY_RATE_PERCENT = 5.0


# treat_missing_data, and why: every alarm states its choice (AWS: an alarm with notBreaching stays OK when the
# metric stops, https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html).
LIVENESS = (
    "breaching",
    "a dead or never-started pipeline emits nothing, so silence is the failure this alarm exists to catch",
)
EVENT_COUNT = ("notBreaching", "the metric is only emitted when the event happens; no data means none happened")
CONTINUOUS = ("breaching", "the service emits this every period while it exists; silence means it is gone")


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
    missing: tuple[str, str] = EVENT_COUNT  # (treat_missing_data, reason)
    # A metric-math alarm: id -> (namespace, metric, dimensions, statistic), and the expression over those ids.
    queries: dict[str, tuple[str, str, dict[str, str], str]] | None = None
    expression: str = ""


class Observability(Construct):
    """The alert topic (under `log_key`), the alarms the stack asks for, each a dashboard widget, and the dashboard."""

    def __init__(self, scope: Construct, id_: str, ctx: PlatformContext, *, log_key: aws.KmsKey) -> None:
        super().__init__(scope, id_)
        self.ctx = ctx
        n = ctx.namer
        self.topic = aws.SnsTopic(self, "alerts", name=n.sns_topic("alerts"), kms_master_key_id=log_key.arn)
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
        missing, why = spec.missing
        single = {
            "namespace": spec.namespace,
            "metric_name": spec.metric,
            "dimensions": spec.dimensions,
            "statistic": spec.statistic,
            "period": spec.period,
        }
        math = {
            "metric_query": [
                *(
                    aws.CloudwatchMetricAlarmMetricQuery(
                        id=qid,
                        return_data=False,
                        metric=aws.CloudwatchMetricAlarmMetricQueryMetric(
                            namespace=ns, metric_name=name, dimensions=dims, stat=stat, period=spec.period
                        ),
                    )
                    for qid, (ns, name, dims, stat) in (spec.queries or {}).items()
                ),
                aws.CloudwatchMetricAlarmMetricQuery(
                    id="signal", expression=spec.expression, label=spec.purpose, return_data=True
                ),
            ]
        }
        alarm = aws.CloudwatchMetricAlarm(
            self,
            f"alarm-{spec.purpose}",
            alarm_name=self.ctx.namer.alarm(spec.purpose),
            alarm_description=f"{spec.description}. Missing data is {missing}: {why}",
            comparison_operator=spec.comparison,
            threshold=spec.threshold,
            evaluation_periods=spec.periods,
            treat_missing_data=missing,
            alarm_actions=[self.topic.arn],
            ok_actions=[self.topic.arn],
            **(math if spec.queries else single),
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

    def stream_alarms(self, line_purpose: str, stream: aws.KinesisStream, window_seconds: int) -> None:
        dims = {"StreamName": stream.name}
        self.alarm(
            AlarmSpec(
                f"{line_purpose}-iterator-age",
                "AWS/Kinesis",
                "GetRecords.IteratorAgeMilliseconds",
                dims,
                "Maximum",
                "GreaterThanThreshold",
                iterator_age_threshold_ms(window_seconds),
                description="The job reads the stream more than three micro-batch windows behind",
                missing=(
                    "breaching",
                    "the metric exists only while a consumer calls GetRecords; a dead job stops it",
                ),
            )
        )
        # Nothing reaches the stream: the production line sends 10,000 events/s, so a minute without a record
        # means the devices, the IoT rule or the stream's write path is down. Kinesis reports IncomingRecords as the
        # records put in the period (Sum), and emits no datapoint at all for a minute with no puts
        # (https://docs.aws.amazon.com/streams/latest/dev/monitoring-with-cloudwatch.html): the silence is the
        # failure, so missing data breaches; a zero Sum (never emitted, but stated) breaches through the threshold.
        self.alarm(
            AlarmSpec(
                f"{line_purpose}-no-incoming-records",
                "AWS/Kinesis",
                "IncomingRecords",
                dims,
                "Sum",
                "LessThanThreshold",
                1,
                periods=5,
                description="The stream received no records for 5 minutes (IncomingRecords Sum < 1 per minute)",
                missing=(
                    "breaching",
                    "Kinesis emits no IncomingRecords datapoint for a period without puts, so silence is the "
                    "failure this alarm exists to catch",
                ),
            )
        )
        for metric, label in (
            ("WriteProvisionedThroughputExceeded", "write-throttles"),
            ("ReadProvisionedThroughputExceeded", "read-throttles"),
            ("PutRecords.FailedRecords", "failed-put-records"),
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
                    periods=5 if "throttles" in label else 1,
                    description=f"Kinesis {label.replace('-', ' ')}",
                )
            )

    def job_alarms(self, line_purpose: str, job: aws.GlueJob, namespace: str, window_seconds: int) -> None:
        job_name = job.name
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
                iterator_age_threshold_ms(window_seconds),
                description="The streaming job lags the stream by more than three windows",
                missing=LIVENESS,
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
                missing=("notBreaching", "no readings means no rate; liveness is the job-stalled alarm's"),
            )
        )
        self.alarm(
            AlarmSpec(
                f"{line_purpose}-incident",
                namespace,
                "EpisodesOpened",
                {"JobName": job_name},
                "Sum",
                "GreaterThanOrEqualToThreshold",
                1,
                periods=1,
                period=60,
                description="A device x metric opened an alert episode (one per incident: see the episodes table)",
                missing=EVENT_COUNT,
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
                description="The streaming job processed nothing for 15 minutes (its heartbeat)",
                missing=LIVENESS,
            )
        )
        self.alarm(
            AlarmSpec(
                f"{line_purpose}-job-restarted",
                namespace,
                "JobStarts",
                {"JobName": job_name, "Reason": "failure"},
                "Sum",
                "GreaterThanThreshold",
                0,
                periods=1,
                period=300,
                description="The job keeper had to start the job outside a deploy: it failed or stopped",
                queries={
                    "failure": (namespace, "JobStarts", {"JobName": job_name, "Reason": "failure"}, "Sum"),
                    "schedule": (namespace, "JobStarts", {"JobName": job_name, "Reason": "schedule"}, "Sum"),
                },
                expression="FILL(failure, 0) + FILL(schedule, 0)",
            )
        )

    def database_alarms(self, cluster: aws.RdsCluster, max_connections: int) -> None:
        dims = {"DBClusterIdentifier": cluster.cluster_identifier}
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
                    missing=CONTINUOUS,
                )
            )

    def iot_alarms(self, line_purpose: str, rule_actions: Mapping[str, Sequence[str]]) -> None:
        """Every action of every rule (rule name -> its action types), the error action's own failures, and messages
        the rule could not parse (metrics: https://docs.aws.amazon.com/iot/latest/developerguide/metrics_dimensions.html)."""
        for rule_name, actions in rule_actions.items():
            short = "quarantine-rule" if "quarantine" in rule_name else "rule"
            for action in actions:
                self.alarm(
                    AlarmSpec(
                        f"{line_purpose}-iot-{short}-{action.lower()}-failures",
                        "AWS/IoT",
                        "Failure",
                        {"RuleName": rule_name, "ActionType": action},
                        "Sum",
                        "GreaterThanThreshold",
                        0,
                        periods=1,
                        description=f"The IoT rule's {action} action failed (the message went to the error action)",
                    )
                )
            for metric, what in (
                ("ErrorActionFailure", "the error action failed too: the message is lost"),
                ("ParseError", "messages could not be parsed by the rule's SQL"),
            ):
                self.alarm(
                    AlarmSpec(
                        f"{line_purpose}-iot-{short}-{metric.lower()}",
                        "AWS/IoT",
                        metric,
                        {"RuleName": rule_name},
                        "Sum",
                        "GreaterThanThreshold",
                        0,
                        periods=1,
                        description=f"IoT rule {what}",
                    )
                )

    def dashboard(self) -> aws.CloudwatchDashboard:
        return aws.CloudwatchDashboard(
            self,
            "dashboard",
            dashboard_name=self.ctx.namer.dashboard("operations"),
            dashboard_body=json.dumps({"widgets": self.widgets}),
        )
