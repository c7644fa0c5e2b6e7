"""Destroy stops the streaming jobs first: the keeper's rules off, every active run stopped and gone."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from infra.deploy import __main__ as cli
from infra.deploy.jobs import stop_streaming_jobs
from infra.deploy.terraform import DeployError

KEEPER_ARN = "arn:aws:lambda:eu-central-1:111122223333:function:iotsp-keeper-t"


class FakeLambda:
    def __init__(self, exists: bool = True):
        self.exists = exists

    def get_function_configuration(self, FunctionName):
        if not self.exists:
            raise ClientError({"Error": {"Code": "ResourceNotFoundException"}}, "GetFunctionConfiguration")
        return {"FunctionArn": KEEPER_ARN, "Environment": {"Variables": {"JOB_NAMES": json.dumps(["j1", "j2"])}}}


class FakeEvents:
    def __init__(self, log):
        self.log = log

    def list_rule_names_by_target(self, TargetArn):
        assert TargetArn == KEEPER_ARN
        return {"RuleNames": ["job-failed-t", "job-keeper-t"]}

    def disable_rule(self, Name):
        self.log.append(("disable", Name))


class FakeGlue:
    """Runs that reach STOPPED `lag` polls after a stop request; a run left alone runs forever."""

    def __init__(self, log, runs, lag=2):
        self.log, self.runs, self.lag, self.countdown = log, runs, lag, {}

    def get_job_runs(self, JobName, MaxResults):
        for run in self.runs.get(JobName, []):
            if run["Id"] in self.countdown:
                self.countdown[run["Id"]] -= 1
                run["JobRunState"] = "STOPPED" if self.countdown[run["Id"]] <= 0 else "STOPPING"
        return {"JobRuns": [dict(r) for r in self.runs.get(JobName, [])]}

    def batch_stop_job_run(self, JobName, JobRunIds):
        assert all(("disable", r) in self.log for r in ("job-failed-t", "job-keeper-t")), "rules first"
        self.log.append(("stop", JobName, tuple(JobRunIds)))
        for run_id in JobRunIds:
            self.countdown[run_id] = self.lag
        return {"SuccessfulSubmissions": [{"JobName": JobName, "JobRunId": i} for i in JobRunIds], "Errors": []}


def runs():
    return {
        "j1": [{"Id": "jr_a", "JobRunState": "RUNNING"}, {"Id": "jr_old", "JobRunState": "FAILED"}],
        "j2": [{"Id": "jr_b", "JobRunState": "STARTING"}],
    }


def test_rules_are_disabled_then_active_runs_stopped_and_awaited():
    log, naps = [], []
    glue = FakeGlue(log, runs())
    result = stop_streaming_jobs("keeper", FakeLambda(), FakeEvents(log), glue, sleep=naps.append)
    assert result == {"disabled": ["job-failed-t", "job-keeper-t"], "stopped": ["jr_a", "jr_b"]}
    assert log[:2] == [("disable", "job-failed-t"), ("disable", "job-keeper-t")]
    assert ("stop", "j1", ("jr_a",)) in log and ("stop", "j2", ("jr_b",)) in log  # never the FAILED run
    assert naps and all(r["JobRunState"] in ("STOPPED", "FAILED") for rs in glue.runs.values() for r in rs)


def test_a_run_that_will_not_stop_fails_in_one_line_naming_it():
    log = []
    glue = FakeGlue(log, runs(), lag=10**6)
    with pytest.raises(DeployError) as error:
        stop_streaming_jobs("keeper", FakeLambda(), FakeEvents(log), glue, wait_s=30, sleep=lambda _: None)
    assert "j1 (jr_a)" in str(error.value) and "destroy again" in str(error.value) and "\n" not in str(error.value)


def test_nothing_deployed_nothing_to_stop():
    assert stop_streaming_jobs("keeper", FakeLambda(exists=False), None, None) == {"disabled": [], "stopped": []}


def test_destroy_runs_the_stop_before_cdktf_destroy(tmp_path, monkeypatch):
    outputs = tmp_path / "flat-outputs.json"
    outputs.write_text(json.dumps({"jobKeeperLambdaName": "keeper"}))
    log = []
    clients = [FakeLambda(), FakeEvents(log), FakeGlue(log, runs(), lag=1)]
    monkeypatch.setattr(cli, "aws_ready", lambda: None)
    monkeypatch.setattr(cli, "cdktf_cli", lambda: ["cdktf"])
    monkeypatch.setattr(cli, "remove_outputs", lambda: None)

    def fake_run(command, cwd):
        log.append(("terraform", command[1]))
        return type("Done", (), {"returncode": 0})()

    monkeypatch.setattr(cli.subprocess, "run", fake_run)
    monkeypatch.setattr("infra.deploy.jobs.time.sleep", lambda _: None)
    assert cli.destroy_aws(clients, outputs) == 0
    assert log[-1] == ("terraform", "destroy") and any(entry[0] == "stop" for entry in log[:-1])
