"""Keeps the streaming jobs running: started after every deploy, restarted after a failure, idempotently.

Invoked by the deploy (aws_lambda_invocation), by EventBridge on a Glue job run that ended FAILED, TIMEOUT or
ERROR, and every few minutes as a safety net. A job with a run in progress is left alone (max_concurrent_runs is
1). Each start is a `JobStarts` metric (alarmed: a start outside a deploy means the job had stopped). To stop a
job on purpose, disable the keeper's two EventBridge rules first.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any

import boto3

LOG = logging.getLogger()
LOG.setLevel(logging.INFO)
ACTIVE = {"STARTING", "RUNNING", "STOPPING", "WAITING"}


def handler(event: dict[str, Any], context: Any, glue: Any = None, cloudwatch: Any = None) -> dict[str, Any]:
    glue = glue or boto3.client("glue")
    cloudwatch = cloudwatch or boto3.client("cloudwatch")
    managed = json.loads(os.environ["JOB_NAMES"])
    reason = _reason(event)
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
        run_id = glue.start_job_run(JobName=job)["JobRunId"]
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
