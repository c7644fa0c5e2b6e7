"""What the local deploy runs after apply, tested without a deployment: the integration tests' contract (each states
its proof and its mutation), how they trust their outputs, the Kinesis producer and the IoT probe they use
(tests/integration/), and the integration envs' pins."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from tests.conftest import PROJECT
from tests.integration.producer import MAX_RECORDS, ProducerError, read_stream, send_events
from tests.integration.test_iot_routing import telemetry_message


def test_every_integration_test_states_its_proof_and_mutation(monkeypatch):
    from tests.integration import mutations

    assert mutations.contract_problems() == []
    tests = dict(mutations.integration_tests())
    assert len(tests) >= 15
    hosted = [node for node, test in tests.items() if hasattr(test, "mutation")]
    assert len(hosted) >= 11  # the emulator hosts most of them; the rest say why not

    def test_unexplained(outputs):
        pass

    def test_both(outputs):
        """Proves nothing in particular."""

    test_both.mutation, test_both.aws_only = object(), "reason"
    monkeypatch.setattr(
        mutations, "integration_tests", lambda: [("x::test_unexplained", test_unexplained), ("x::test_both", test_both)]
    )
    assert mutations.contract_problems() == [
        "x::test_unexplained: no docstring saying what it proves",
        "x::test_unexplained: needs exactly one of @mutation(...) or @aws_only(reason)",
        "x::test_both: needs exactly one of @mutation(...) or @aws_only(reason)",
    ]


def test_integration_outputs_fail_loudly_when_they_cannot_be_trusted(monkeypatch, tmp_path):
    from _pytest.outcomes import Failed, Skipped

    from tests.integration import conftest

    monkeypatch.setattr(conftest, "OUTPUTS", tmp_path / "flat-outputs.json")
    monkeypatch.setattr(conftest, "REQUIRED", False)
    with pytest.raises(Skipped, match="is absent: deploy first"):
        conftest.load_outputs()
    monkeypatch.setattr(conftest, "REQUIRED", True)  # tox -e integration, the local deploy
    with pytest.raises(Failed, match="is absent: deploy first"):
        conftest.load_outputs()
    (tmp_path / "flat-outputs.json").write_text('{"region": "eu-central-1"}')
    dead = {"target": "emulator", "endpoint": "http://127.0.0.1:9", "stop": "python -m infra.deploy stop-local"}
    monkeypatch.setattr(conftest, "TARGET", dead)
    monkeypatch.setattr(conftest, "ON_EMULATOR", True)
    with pytest.raises(Failed, match=r"no longer running: .*`python -m infra\.deploy stop-local`"):
        conftest.load_outputs()
    factory = conftest.clients(dead, "eu-central-1")
    assert factory("s3").meta.endpoint_url == "http://127.0.0.1:9"
    assert conftest.clients({"target": "aws"}, "eu-central-1")("s3").meta.endpoint_url.startswith("https://")


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
