"""The Kinesis producer (batching, retries) and the deploy helpers that need no emulator or terraform."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from infra.deploy.local_target import EXCLUSIONS, RELEASE_BEFORE_DESTROY, Exclusion, apply_exclusions
from infra.deploy.outputs import write_flat_outputs
from tests.conftest import PROJECT
from tests.deployability.conftest import baseline  # noqa: F401 - the account baseline, synthesized once
from tests.integration.producer import MAX_RECORDS, ProducerError, read_stream, send_events
from tests.integration.test_iot_routing import telemetry_message


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


def test_what_the_baseline_cannot_publish_goes_with_what_reads_it(baseline, ephemeral):  # noqa: F811
    """The baseline's target leaves out the device domain configuration, so the parameters publishing its values
    go too; the environment's data sources reading those parameters, and the output naming them, follow."""
    _, removed = apply_exclusions(baseline.document)
    gone = {r["address"].split(".")[0] for r in removed}
    assert {"aws_iot_domain_configuration", "aws_iot_logging_options", "aws_ssm_parameter"} <= gone
    unpublished = {r["parameter"]: "the baseline's target leaves out" for r in removed if "parameter" in r}
    assert len(unpublished) == 2 and all(name.startswith("/iotsp/account-baseline/") for name in unpublished)
    alone, _ = apply_exclusions(ephemeral.document)  # alone, the environment cannot know: its readers stay
    assert len(alone["data"]["aws_ssm_parameter"]) == 2
    local, env_removed = apply_exclusions(ephemeral.document, unpublished=unpublished)
    readers = [r for r in env_removed if r["address"].startswith("data.aws_ssm_parameter.")]
    assert len(readers) == 2 and all("the baseline's target leaves out" in r["reason"] for r in readers)
    assert "output.iotEndpoint" in {r["address"] for r in env_removed} and "iotEndpoint" not in local["output"]


def test_flat_outputs_are_checked_against_the_schema(tmp_path):
    with pytest.raises(ValueError, match="flat-outputs"):
        write_flat_outputs({"streamName": "s"}, tmp_path / "o.json")


def test_grants_are_applied_on_the_emulator_and_released_before_destroy(ephemeral):
    local, _ = apply_exclusions(ephemeral.document)
    assert local["resource"]["aws_lakeformation_permissions"]  # tested there (tests/integration)
    assert "aws_lakeformation_permissions" in {r.resource_type for r in RELEASE_BEFORE_DESTROY}
    assert not {r.resource_type for r in RELEASE_BEFORE_DESTROY} & {e.resource_type for e in EXCLUSIONS}


def _pins(path):
    lines = (PROJECT / "requirements" / path).read_text().splitlines()
    return dict(line.split("==") for line in lines if "==" in line and not line.startswith("#"))


def test_integration_envs_run_the_job_at_the_job_envs_pins():
    job, extra, platform = _pins("job.txt"), _pins("integration.txt"), _pins("platform.txt")
    assert {"pyspark", "pandas", "pyarrow"} <= set(extra)
    assert {name: job[name] for name in extra} == extra
    assert not set(extra) & set(platform)  # the platform set stays as it is; the two lists never fight


def test_iot_probe_topic_follows_the_deployed_rule(ephemeral):
    rule = ephemeral.one("aws_iot_topic_rule", "/line-1/rule")
    topic, event = telemetry_message(rule["sql"], "press-7")
    assert topic == "factory/line-1/press-7/telemetry" and event["production_line"] == "line-1"
    assert event["device_id"] == "press-7"
    topic, event = telemetry_message(
        "SELECT * FROM 'factory/+/+/telemetry' WHERE production_line = topic(2) AND device_id = topic(3)", "p-1"
    )
    assert topic == "factory/line-1/p-1/telemetry" and event["production_line"] == "line-1"
    topic, event = telemetry_message("SELECT * FROM 'sensors/+/telemetry' WHERE production_line = 'line-2'", "p-1")
    assert topic == "sensors/p-1/telemetry" and event["production_line"] == "line-2"
    with pytest.raises(AssertionError, match="cannot read the topic filter"):
        telemetry_message("SELECT * FROM topic", "d")
    with pytest.raises(AssertionError, match="unexpected topic filter"):
        telemetry_message("SELECT * FROM 'a/#'", "d")
