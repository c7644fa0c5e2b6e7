"""Keeps the streaming jobs running: started after every deploy, restarted after a failure, idempotently.

Invoked by the deploy (aws_lambda_invocation), by EventBridge on a Glue job run that ended FAILED, TIMEOUT or
ERROR, and every few minutes as a safety net. A job with a run in progress is left alone (max_concurrent_runs is
1). Each start is a `JobStarts` metric (alarmed: a start outside a deploy means the job had stopped). To stop a
job on purpose, disable the keeper's two EventBridge rules first.

Safe under rollout: a deploy that changes the job (a new version, new arguments) invokes the keeper while the old
run may still be active, and the schedule or a failure event may invoke it at the same moment. The job allows one
concurrent run, so a second StartJobRun fails with ConcurrentRunsExceededException: that means "already running"
(https://docs.aws.amazon.com/glue/latest/webapi/API_StartJobRun.html), never a second run or an error.
MAINTENANCE_WINDOW ("ddd:hh:mm-ddd:hh:mm" in UTC, the form RDS uses; empty for none): inside it the keeper starts
nothing (the schedule after it ends starts what is down).
"""

from __future__ import annotations

import json
import logging
import os
import re
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.exceptions import ClientError

LOG = logging.getLogger()
LOG.setLevel(logging.INFO)
ACTIVE = {"STARTING", "RUNNING", "STOPPING", "WAITING"}
ALREADY_RUNNING = "ConcurrentRunsExceededException"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY, _TIME = "(mon|tue|wed|thu|fri|sat|sun)", r"([01]\d|2[0-3]):([0-5]\d)"
WINDOW = re.compile(rf"^{_DAY}:{_TIME}-{_DAY}:{_TIME}$")
WEEK_MINUTES = 7 * 24 * 60


def parse_window(text: str) -> tuple[int, int] | None:
    """ "sun:03:30-sun:04:30" -> (start, end) in minutes of the week from Monday 00:00 UTC; "" -> None. Raises
    ValueError naming the form for anything else (the stack's config check uses this too)."""
    text = text.strip().lower()
    if not text:
        return None
    match = WINDOW.match(text)
    if not match:
        raise ValueError(f"maintenance window {text!r}: expected ddd:hh:mm-ddd:hh:mm in UTC, e.g. sun:03:30-sun:04:30")
    d1, h1, m1, d2, h2, m2 = match.groups()
    start = DAYS.index(d1) * 1440 + int(h1) * 60 + int(m1)
    end = DAYS.index(d2) * 1440 + int(h2) * 60 + int(m2)
    if start == end:
        raise ValueError(f"maintenance window {text!r} is empty: start and end are the same minute")
    return start, end


def in_window(now: datetime, window: tuple[int, int] | None) -> bool:
    """Whether `now` (aware) falls in [start, end) of the weekly window, which may wrap past Sunday midnight."""
    if window is None:
        return False
    now = now.astimezone(UTC)
    minute = now.weekday() * 1440 + now.hour * 60 + now.minute
    start, end = window
    return start <= minute < end if start < end else minute >= start or minute < end


def handler(
    event: dict[str, Any], context: Any, glue: Any = None, cloudwatch: Any = None, now: datetime | None = None
) -> dict[str, Any]:
    managed = json.loads(os.environ["JOB_NAMES"])
    reason = _reason(event)
    window = os.environ.get("MAINTENANCE_WINDOW", "")
    if in_window(now or datetime.now(UTC), parse_window(window)):
        LOG.info("inside the maintenance window %s: starting nothing (%s)", window, reason)
        return {"reason": reason, "started": {}, "held": "maintenance window"}
    glue = glue or boto3.client("glue")
    cloudwatch = cloudwatch or boto3.client("cloudwatch")
    wanted = [event["detail"]["jobName"]] if reason == "failure" else managed
    started = {}
    for job in wanted:
        if job not in managed:
            LOG.warning("ignoring %s: not a job this keeper manages", job)
            continue
        runs = glue.get_job_runs(JobName=job, MaxResults=10).get("JobRuns", [])
        active = [r["Id"] for r in runs if r.get("JobRunState") in ACTIVE]
        if active:
            LOG.info("%s is running (%s); nothing to do", job, active[0])
            continue
        try:
            run_id = glue.start_job_run(JobName=job)["JobRunId"]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != ALREADY_RUNNING:
                raise
            LOG.info("%s is already running (a concurrent start won): nothing to do", job)
            continue
        started[job] = run_id
        LOG.info("started %s as %s (%s)", job, run_id, reason)
        cloudwatch.put_metric_data(
            Namespace=os.environ["METRICS_NAMESPACE"],
            MetricData=[
                {
                    "MetricName": "JobStarts",
                    "Dimensions": [{"Name": "JobName", "Value": job}, {"Name": "Reason", "Value": reason}],
                    "Value": 1,
                    "Unit": "Count",
                }
            ],
        )
    return {"reason": reason, "started": started}


def _reason(event: dict[str, Any]) -> str:
    """deploy (aws_lambda_invocation), failure (a Glue state-change event) or schedule (the safety net)."""
    if event.get("source") == "aws.glue":
        return "failure"
    if event.get("source") == "aws.events":
        return "schedule"
    return "deploy"
