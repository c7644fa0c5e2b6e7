"""IoT Core routing on a real deployment: a device's telemetry message travels through the topic rule into the
line's stream. moto stores topic rules but never runs them (and the emulator target leaves them out), so this
runs on AWS only."""

from __future__ import annotations

import json
import re
import time
import uuid
from datetime import UTC, datetime, timedelta

import boto3

from tests.integration.mutations import aws_only

DEADLINE_S = 120


def telemetry_message(sql: str, device: str, line: str = "line-1") -> tuple[str, dict]:
    """A topic the rule's FROM filter matches and an event its WHERE keeps, read from the rule's own SQL: one
    wildcard is the thing name (`factory/line-1/+/telemetry`); two are the line and the thing
    (`factory/+/+/telemetry`). The payload's line is the topic level the WHERE compares it with, or the literal
    it compares it with."""
    found = re.search(r"FROM\s+'([^']+)'", sql, re.IGNORECASE)
    assert found, f"cannot read the topic filter from the rule's SQL: {sql}"
    parts = found.group(1).split("/")
    wildcards = [i for i, p in enumerate(parts) if p == "+"]
    assert 1 <= len(wildcards) <= 2 and "#" not in parts, f"unexpected topic filter {found.group(1)!r}"
    for index, value in zip(wildcards, [device] if len(wildcards) == 1 else [line, device], strict=True):
        parts[index] = value
    from_topic = re.search(r"production_line\s*=\s*topic\((\d)\)", sql)
    literal = re.search(r"production_line\s*=\s*'([^']+)'", sql)
    if from_topic:
        line = parts[int(from_topic.group(1)) - 1]
    elif literal:
        line = literal.group(1)
    event = {
        "event_id": f"iot-probe-{uuid.uuid4()}",
        "device_id": device,
        "production_line": line,
        "metric": "temperature",
        "value": 21.5,
        "unit": "C",
        "event_ts": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        "seq": 1,
    }
    return "/".join(parts), event


def _records_since(kinesis, stream: str, since: datetime, deadline: float, wanted: str) -> list[dict]:
    iterators = [
        kinesis.get_shard_iterator(
            StreamName=stream, ShardId=shard["ShardId"], ShardIteratorType="AT_TIMESTAMP", Timestamp=since
        )["ShardIterator"]
        for shard in kinesis.list_shards(StreamName=stream)["Shards"]
    ]
    seen: list[dict] = []
    while time.monotonic() < deadline:
        for i, iterator in enumerate(iterators):
            response = kinesis.get_records(ShardIterator=iterator, Limit=1000)
            iterators[i] = response["NextShardIterator"]
            seen += [{"data": r["Data"].decode(), "partition_key": r["PartitionKey"]} for r in response["Records"]]
        if any(wanted in r["data"] for r in seen):
            return seen
        time.sleep(2)
    return seen


@aws_only("moto stores IoT topic rules but never runs them, and the emulator target leaves them out")
def test_device_telemetry_reaches_the_stream_keyed_by_device(outputs, aws):
    """A telemetry message published on a device's topic arrives in the line's stream within two minutes with the
    device (thing) name as partition key; the rule is enabled and its error action quarantines to the stack's
    quarantine bucket."""
    rule = aws("iot").get_topic_rule(ruleName=outputs["iotTopicRuleName"])["rule"]
    assert rule["ruleDisabled"] is False
    assert rule["errorAction"]["s3"]["bucketName"] == outputs["quarantineBucketName"]
    device = f"it-probe-{uuid.uuid4().hex[:8]}"
    topic, event = telemetry_message(rule["sql"], device)
    data_plane = boto3.session.Session(region_name=outputs["region"]).client(
        "iot-data", endpoint_url=f"https://{outputs['iotEndpoint']}"
    )
    since = datetime.now(UTC) - timedelta(seconds=5)
    data_plane.publish(topic=topic, qos=1, payload=json.dumps(event).encode())
    seen = _records_since(
        aws("kinesis"), outputs["streamName"], since, time.monotonic() + DEADLINE_S, event["event_id"]
    )
    ours = [r for r in seen if event["event_id"] in r["data"]]
    assert ours, f"{event['event_id']} published on {topic} did not reach {outputs['streamName']} in {DEADLINE_S} s"
    assert ours[0]["partition_key"] == device
    assert json.loads(ours[0]["data"])["device_id"] == device


@aws_only("moto stores IoT topic rules but never runs them, and the emulator target leaves them out")
def test_a_message_that_lies_about_its_device_is_quarantined(outputs, aws):
    """A message whose payload names another device than its topic never reaches the stream: the complementary
    rule writes it to the quarantine bucket (a WHERE clause alone would drop it silently)."""
    rule = aws("iot").get_topic_rule(ruleName=outputs["iotTopicRuleName"])["rule"]
    device = f"it-probe-{uuid.uuid4().hex[:8]}"
    topic, event = telemetry_message(rule["sql"], device)
    event["device_id"] = "someone-else"
    data_plane = boto3.session.Session(region_name=outputs["region"]).client(
        "iot-data", endpoint_url=f"https://{outputs['iotEndpoint']}"
    )
    data_plane.publish(topic=topic, qos=1, payload=json.dumps(event).encode())
    s3, deadline = aws("s3"), time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket=outputs["quarantineBucketName"], Prefix="iot-")
        keys = [item["Key"] for page in pages for item in page.get("Contents", []) if f"/{device}/" in item["Key"]]
        if keys:
            return
        time.sleep(5)
    raise AssertionError(f"a mismatched message on {topic} was not quarantined within {DEADLINE_S} s")
