"""The job keeper (infra/lambdas/glue_job_keeper.py): it starts what is not running and restarts only failed jobs;
under rollout and maintenance never a second run, never a start inside the window."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError
from hypothesis import given
from hypothesis import strategies as st

from infra.config import ConfigError, load_config
from infra.lambdas import glue_job_keeper as keeper


class FakeGlue:
    def __init__(self, states: dict[str, list[str]]):
        self.states, self.started = states, []

    def get_job_runs(self, JobName, MaxResults):
        return {"JobRuns": [{"Id": f"jr_{i}", "JobRunState": s} for i, s in enumerate(self.states.get(JobName, []))]}

    def start_job_run(self, JobName):
        self.started.append(JobName)
        return {"JobRunId": f"jr_new_{JobName}"}


class FakeCloudWatch:
    def __init__(self):
        self.data = []

    def put_metric_data(self, Namespace, MetricData):
        self.data.append((Namespace, MetricData))


@pytest.fixture
def jobs(monkeypatch):
    monkeypatch.setenv("JOB_NAMES", json.dumps(["line-1", "line-2"]))
    monkeypatch.setenv("METRICS_NAMESPACE", "IoTSensorPlatform/t")


def test_keeper_starts_what_is_not_running_and_counts_it(jobs):
    glue, cloudwatch = FakeGlue({"line-1": ["RUNNING"], "line-2": ["FAILED", "SUCCEEDED"]}), FakeCloudWatch()
    result = keeper.handler({"action": "deploy"}, None, glue, cloudwatch)
    assert glue.started == ["line-2"] and result == {"reason": "deploy", "started": {"line-2": "jr_new_line-2"}}
    namespace, data = cloudwatch.data[0]
    assert namespace == "IoTSensorPlatform/t" and data[0]["MetricName"] == "JobStarts"
    assert {"Name": "Reason", "Value": "deploy"} in data[0]["Dimensions"]


def test_keeper_restarts_only_the_failed_job_and_ignores_others(jobs):
    glue = FakeGlue({"line-1": ["FAILED"], "line-2": []})
    event = {"source": "aws.glue", "detail": {"jobName": "line-1", "state": "FAILED"}}
    assert keeper.handler(event, None, glue, FakeCloudWatch())["started"] == {"line-1": "jr_new_line-1"}
    foreign = {"source": "aws.glue", "detail": {"jobName": "someone-elses", "state": "FAILED"}}
    assert keeper.handler(foreign, None, glue, FakeCloudWatch())["started"] == {}
    glue = FakeGlue({"line-1": ["STOPPING"], "line-2": ["WAITING"]})
    assert keeper.handler({"source": "aws.events"}, None, glue, FakeCloudWatch()) == {
        "reason": "schedule",
        "started": {},
    }


class RacingGlue(FakeGlue):
    """GetJobRuns says nothing runs (another invocation's start is not visible yet); StartJobRun then refuses as
    Glue does when max_concurrent_runs (1) is reached."""

    def __init__(self, code: str = "ConcurrentRunsExceededException"):
        super().__init__({})
        self.code = code

    def start_job_run(self, JobName):
        self.started.append(JobName)
        raise ClientError({"Error": {"Code": self.code, "Message": "Concurrent runs exceeded"}}, "StartJobRun")


@pytest.fixture
def one_job(monkeypatch):
    monkeypatch.setenv("JOB_NAMES", json.dumps(["line-1"]))
    monkeypatch.setenv("METRICS_NAMESPACE", "IoTSensorPlatform/t")
    monkeypatch.delenv("MAINTENANCE_WINDOW", raising=False)


def test_a_concurrent_start_during_rollout_is_already_running_not_an_error(one_job):
    glue, cloudwatch = RacingGlue(), FakeCloudWatch()
    for event in ({"action": "deploy"}, {"source": "aws.events"}):
        assert keeper.handler(event, None, glue, cloudwatch)["started"] == {}
    assert cloudwatch.data == []  # no JobStarts: nothing was started


def test_other_start_errors_still_fail_the_invocation(one_job):
    with pytest.raises(ClientError):
        keeper.handler({"action": "deploy"}, None, RacingGlue("AccessDeniedException"), FakeCloudWatch())


def test_the_deploy_of_a_new_version_leaves_the_running_run_alone(one_job):
    glue = FakeGlue({"line-1": ["RUNNING", "SUCCEEDED"]})
    for _ in range(3):  # idempotent: repeated deploy invocations, still one run
        assert keeper.handler({"action": "deploy"}, None, glue, FakeCloudWatch())["started"] == {}
    assert glue.started == []


SUNDAY_0400 = datetime(2026, 11, 29, 4, 0, tzinfo=UTC)  # a Sunday


def test_no_start_of_any_kind_inside_the_maintenance_window(one_job, monkeypatch):
    monkeypatch.setenv("MAINTENANCE_WINDOW", "sun:03:30-sun:04:30")
    failure = {"source": "aws.glue", "detail": {"jobName": "line-1", "state": "FAILED"}}
    for event in (failure, {"source": "aws.events"}, {"action": "deploy"}):
        glue = FakeGlue({"line-1": ["FAILED"]})
        result = keeper.handler(event, None, glue, FakeCloudWatch(), now=SUNDAY_0400)
        assert result["started"] == {} and result["held"] == "maintenance window" and glue.started == []
    glue = FakeGlue({"line-1": ["FAILED"]})
    after = SUNDAY_0400 + timedelta(minutes=30)  # 04:30: the window's end is outside it
    assert keeper.handler({"source": "aws.events"}, None, glue, FakeCloudWatch(), now=after)["started"] == {
        "line-1": "jr_new_line-1"
    }


def test_windows_that_wrap_the_week():
    window = keeper.parse_window("sun:23:00-mon:01:00")
    assert keeper.in_window(datetime(2026, 11, 29, 23, 30, tzinfo=UTC), window)
    assert keeper.in_window(datetime(2026, 11, 30, 0, 59, tzinfo=UTC), window)
    assert not keeper.in_window(datetime(2026, 11, 30, 1, 0, tzinfo=UTC), window)
    assert not keeper.in_window(datetime(2026, 11, 29, 22, 59, tzinfo=UTC), window)
    assert keeper.parse_window("") is None and not keeper.in_window(SUNDAY_0400, None)


@given(st.integers(0, 7 * 24 * 60 - 1), st.integers(1, 7 * 24 * 60 - 1), st.integers(0, 7 * 24 * 60 - 1))
def test_in_window_agrees_with_counting_minutes(start, length, probe):
    """Against an independent reading: the window holds exactly `length` consecutive minutes from its start."""
    days = keeper.DAYS
    end = (start + length) % (7 * 24 * 60)

    def text(m):
        return f"{days[m // 1440]}:{m % 1440 // 60:02d}:{m % 60:02d}"

    window = keeper.parse_window(f"{text(start)}-{text(end)}")
    monday = datetime(2026, 11, 30, tzinfo=UTC)
    assert keeper.in_window(monday + timedelta(minutes=probe), window) == ((probe - start) % (7 * 24 * 60) < length)


def test_the_window_is_a_config_value_checked_before_synth():
    config = load_config({"MAINTENANCE_WINDOW": "Sun:03:30-Sun:04:30"}, {"environmentSuffix": "t"})
    assert config.maintenance_window == "sun:03:30-sun:04:30"
    for bad in ("sunday 3am", "sun:24:00-mon:01:00", "sun:03:30-sun:03:30", "sun:3:30-sun:04:30"):
        with pytest.raises(ConfigError, match="maintenanceWindow"):
            load_config({}, {"environmentSuffix": "t", "maintenanceWindow": bad})
