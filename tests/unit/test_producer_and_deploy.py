"""The Kinesis producer (batching, retries) and the deploy helpers that need no emulator or terraform."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from infra.deploy.local_target import EXCLUSIONS, Exclusion, apply_exclusions
from infra.deploy.outputs import write_flat_outputs
from infra.deploy.terraform import missing_tools
from infra.producer import MAX_RECORDS, ProducerError, read_stream, send_events


def _events(n):
    return [{"event_id": f"evt-{i:08d}", "device_id": f"press-{i % 7}", "value": i} for i in range(n)]


def test_send_and_read_back_through_moto():
    with mock_aws():
        kinesis = boto3.client("kinesis", region_name="eu-central-1")
        kinesis.create_stream(StreamName="s", ShardCount=3)
        report = send_events(kinesis, "s", _events(1234))
        assert report.sent == 1234 and report.batches == 3 and report.retried == 0
        records = read_stream(kinesis, "s")
        assert sorted(json.loads(r["data"])["event_id"] for r in records) == [f"evt-{i:08d}" for i in range(1234)]
        assert {r["partition_key"] for r in records} == {f"press-{i}" for i in range(7)}


class Flaky:
    """Fails the first record of every first attempt, as throttled shards do."""

    def __init__(self, fail_forever=False):
        self.calls = []
        self.fail_forever = fail_forever

    def put_records(self, StreamName, Records):
        self.calls.append(len(Records))
        first_attempt = len(self.calls) % 2 == 1
        results = [{"SequenceNumber": "1", "ShardId": "s"} for _ in Records]
        if first_attempt or self.fail_forever:
            results[0] = {"ErrorCode": "ProvisionedThroughputExceededException", "ErrorMessage": "slow down"}
        return {"FailedRecordCount": 1, "Records": results}


def test_failed_records_are_retried_and_persistent_failures_raise():
    sleeps = []
    client = Flaky()
    report = send_events(client, "s", _events(MAX_RECORDS + 10), sleep=sleeps.append)
    assert report.sent == MAX_RECORDS + 10 and report.retried == 2 and client.calls == [MAX_RECORDS, 1, 10, 1]
    assert sleeps and all(s <= 2.0 for s in sleeps)
    with pytest.raises(ProducerError, match="ProvisionedThroughputExceededException"):
        send_events(Flaky(fail_forever=True), "s", _events(3), attempts=3, sleep=lambda s: None)
    with pytest.raises(ProducerError, match="1 MiB"):
        send_events(Flaky(), "s", [{"event_id": "big", "blob": "x" * (1024 * 1024)}])


def test_exclusions_remove_types_and_refuse_dangling_references(ephemeral):
    local, removed = apply_exclusions(ephemeral.document)
    removed_types = {r["address"].split(".")[0] for r in removed if not r["address"].startswith("output.")}
    assert removed_types <= {e.resource_type for e in EXCLUSIONS}
    assert "aws_iot_topic_rule" in removed_types and all(r["reason"] for r in removed)
    dropped_outputs = {r["address"] for r in removed if r["address"].startswith("output.")}
    assert dropped_outputs == {"output.iotPolicyName", "output.iotThingTypeName"}  # no domain configuration here
    kept_policies = local["resource"]["aws_s3_bucket_policy"]
    assert [c["//"]["metadata"]["path"].split("/")[-2] for c in kept_policies.values()] == ["access-logs"]
    assert "aws_kinesis_stream" in local["resource"] and "aws_iot_topic_rule" not in local["resource"]
    assert "aws_iot_topic_rule" in ephemeral.document["resource"]  # the real stack is untouched
    with pytest.raises(ValueError, match="still references excluded resources"):
        apply_exclusions(ephemeral.document, (Exclusion("aws_kinesis_stream", "test"),))


def test_flat_outputs_are_checked_against_the_schema(tmp_path):
    with pytest.raises(ValueError, match="flat-outputs"):
        write_flat_outputs({"streamName": "s"}, tmp_path / "o.json")


def test_missing_tools_are_named(monkeypatch):
    monkeypatch.setenv("TF_PROVIDER_MIRROR", "/nonexistent")
    monkeypatch.setenv("PATH", "/nonexistent")
    assert any("terraform" in m for m in missing_tools()) and any("TF_PROVIDER_MIRROR" in m for m in missing_tools())
