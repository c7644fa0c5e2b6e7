"""Before destroying an environment: stop its streaming jobs, after switching off what would restart them.

A streaming run never ends by itself. While it runs it holds elastic network interfaces in the environment's
subnets (a Glue job with a NETWORK connection runs inside the VPC: https://docs.aws.amazon.com/glue/latest/dg/
connection-VPC-job.html), so deleting the subnets and the security group fails with DependencyViolation until the
run's interfaces go, and it keeps writing objects into the buckets being emptied. So destroy first disables the job
keeper's EventBridge rules (else the keeper restarts the stopped run within minutes), stops every active run
(BatchStopJobRun: https://docs.aws.amazon.com/glue/latest/webapi/API_BatchStopJobRun.html) and waits until none
is left in STARTING, RUNNING, STOPPING or WAITING.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from infra.deploy.terraform import DeployError
from infra.lambdas.glue_job_keeper import ACTIVE

NOT_FOUND = {"ResourceNotFoundException", "EntityNotFoundException"}


def _code(error: Exception) -> str:
    return getattr(error, "response", {}).get("Error", {}).get("Code", "")


def stop_streaming_jobs(
    keeper_name: str,
    lambda_client: Any,
    events: Any,
    glue: Any,
    wait_s: float = 900,
    poll_s: float = 10,
    sleep: Callable[[float], None] | None = None,
) -> dict[str, list[str]]:
    """Disable the keeper's rules, stop the active runs of the jobs it keeps, wait for them to end.

    Returns {"disabled": rule names, "stopped": run ids}; raises DeployError (one line: which runs, how to stop
    them) when a run is still active after `wait_s`. A keeper that no longer exists has nothing left to stop."""
    try:
        function = lambda_client.get_function_configuration(FunctionName=keeper_name)
    except Exception as error:
        if _code(error) in NOT_FOUND:
            return {"disabled": [], "stopped": []}
        raise
    jobs = json.loads(function.get("Environment", {}).get("Variables", {}).get("JOB_NAMES", "[]"))
    rules = events.list_rule_names_by_target(TargetArn=function["FunctionArn"]).get("RuleNames", [])
    for rule in rules:
        events.disable_rule(Name=rule)
    stopped: list[str] = []
    for job in jobs:
        runs = _active(glue, job)
        to_stop = [r for r in runs if r["JobRunState"] != "STOPPING"]
        if to_stop:
            answer = glue.batch_stop_job_run(JobName=job, JobRunIds=[r["Id"] for r in to_stop])
            for failure in answer.get("Errors", []):
                detail = failure.get("ErrorDetail", {})
                raise DeployError(
                    f"could not stop {job} run {failure.get('JobRunId')}: {detail.get('ErrorCode')} "
                    f"{detail.get('ErrorMessage', '')}; stop it with `aws glue batch-stop-job-run --job-name {job} "
                    f"--job-run-ids {failure.get('JobRunId')}` and destroy again"
                )
            stopped += [r["Id"] for r in to_stop]
    deadline = wait_s
    while True:
        left = {job: [r["Id"] for r in _active(glue, job)] for job in jobs}
        left = {job: ids for job, ids in left.items() if ids}
        if not left:
            return {"disabled": list(rules), "stopped": stopped}
        if deadline <= 0:
            names = ", ".join(f"{job} ({', '.join(ids)})" for job, ids in left.items())
            raise DeployError(
                f"job runs still active {wait_s:.0f} s after the stop request: {names}; wait for them to reach "
                "STOPPED (aws glue get-job-runs) and destroy again"
            )
        (sleep or time.sleep)(poll_s)
        deadline -= poll_s


def _active(glue: Any, job: str) -> list[dict]:
    try:
        runs = glue.get_job_runs(JobName=job, MaxResults=50).get("JobRuns", [])
    except Exception as error:
        if _code(error) in NOT_FOUND:
            return []
        raise
    return [r for r in runs if r.get("JobRunState") in ACTIVE]
