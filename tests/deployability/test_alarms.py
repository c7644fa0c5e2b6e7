"""CloudWatch alarms: what missing data means, and what PutMetricAlarm accepts."""

from __future__ import annotations


def _alarms(synth):
    return list(synth.resources("aws_cloudwatch_metric_alarm").values())


def test_liveness_alarms_breach_when_the_metric_stops(ephemeral):
    """AWS: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html - with
    notBreaching an alarm stays OK when its metric stops; a job that never started or died publishes nothing, so
    heartbeat, lag, iterator age and the no-incoming-records alarms treat missing data as breaching."""
    liveness = ("job-stalled", "job-consumer-lag", "iterator-age", "no-incoming-records")
    for alarm in _alarms(ephemeral):
        if any(part in alarm["alarm_name"] for part in liveness):
            assert alarm["treat_missing_data"] == "breaching", alarm["alarm_name"]
        assert alarm["treat_missing_data"] in ("breaching", "notBreaching", "ignore", "missing")
        assert "Missing data is " in alarm["alarm_description"]


def test_metric_math_alarms_return_exactly_one_series(ephemeral):
    """AWS: https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html - an alarm on
    Metrics takes up to 10 queries, exactly one with ReturnData true, and then no MetricName, Namespace,
    Statistic or Period of its own."""
    math = [a for a in _alarms(ephemeral) if a.get("metric_query")]
    assert math
    for alarm in math:
        queries = alarm["metric_query"]
        assert len(queries) <= 10 and sum(bool(q.get("return_data")) for q in queries) == 1
        assert not {"metric_name", "namespace", "statistic", "period"} & set(alarm), alarm["alarm_name"]
        ids = {q["id"] for q in queries}
        expression = next(q["expression"] for q in queries if q.get("return_data"))
        assert all(i in expression for i in ids if i != "signal")


def test_every_iot_action_and_the_error_action_alarm(ephemeral):
    """AWS: https://docs.aws.amazon.com/iot/latest/developerguide/metrics_dimensions.html - rule action metrics
    Failure (dimensions RuleName, ActionType) and ErrorActionFailure (RuleName)."""
    alarms = _alarms(ephemeral)
    for rule in ephemeral.resources("aws_iot_topic_rule").values():
        name = rule["name"]
        types = {"Kinesis" if "kinesis" in rule else "S3"}
        for action in types:
            assert any(a.get("dimensions") == {"RuleName": name, "ActionType": action} for a in alarms), name
        assert any(
            a.get("metric_name") == "ErrorActionFailure" and a["dimensions"] == {"RuleName": name} for a in alarms
        )


def test_failed_put_records_alarm(ephemeral):
    """AWS: https://docs.aws.amazon.com/streams/latest/dev/monitoring-with-cloudwatch.html - PutRecords.FailedRecords
    counts records rejected by PutRecords (throttled or internal failure) per stream."""
    for address in ephemeral.resources("aws_kinesis_stream"):
        assert any(
            a.get("metric_name") == "PutRecords.FailedRecords"
            and a["dimensions"] == {"StreamName": f"${{aws_kinesis_stream.{address}.name}}"}
            for a in _alarms(ephemeral)
        ), address
