"""The job keeper: starts the streaming jobs after deploy and restarts them after a failure (EventBridge on a failed
run, and a schedule as a safety net), through the handler infra/lambdas/glue_job_keeper.py."""

from __future__ import annotations

import json

from constructs import Construct

from infra import aws
from infra.components.processing import StreamProcessing
from infra.components.schema_migration import SchemaMigration
from infra.constructs.iam import Statement
from infra.constructs.placement import VpcPlacement
from infra.constructs.vpc_function import VpcFunction
from infra.context import PlatformContext
from infra.lambdas import HANDLERS

KEEPER_SCHEDULE = "rate(5 minutes)"
RESTART_STATES = ["FAILED", "TIMEOUT", "ERROR"]


class JobKeeper(Construct):
    """A function in `placement` (its environment under `key`) that keeps the jobs of `processing` running; it starts
    them at deploy, again whenever their script, package or the schema `migration` applies changes."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        ctx: PlatformContext,
        *,
        processing: StreamProcessing,
        migration: SchemaMigration,
        key: aws.KmsKey,
        placement: VpcPlacement,
    ) -> None:
        super().__init__(scope, id_)
        job_names, metrics_namespace = processing.job_names, processing.metrics_namespace
        environment = {"JOB_NAMES": json.dumps(job_names), "METRICS_NAMESPACE": metrics_namespace}
        if ctx.config.maintenance_window:
            environment["MAINTENANCE_WINDOW"] = ctx.config.maintenance_window
        self.lambda_ = VpcFunction(
            self,
            "keeper",
            ctx,
            purpose="glue-job-keeper",
            description="Starts the streaming jobs after deploy and restarts them after a failure",
            code={"glue_job_keeper.py": HANDLERS / "glue_job_keeper.py"},
            handler="glue_job_keeper.handler",
            statements=[
                Statement(
                    "StartOwnJobs",
                    ["glue:GetJobRuns", "glue:StartJobRun"],
                    [ctx.arn("glue", f"job/{name}") for name in job_names],
                ),
                Statement(
                    "CountStarts",
                    ["cloudwatch:PutMetricData"],
                    ["*"],
                    conditions=[("StringEquals", "cloudwatch:namespace", [metrics_namespace])],
                ),
            ],
            key=key,
            placement=placement,
            environment=environment,
            timeout=60,
            synchronous_reason="EventBridge retries a failed invocation itself (24 h, 185 attempts) and the "
            "5-minute schedule repeats the check; a lost event delays a restart by one schedule period",
        )
        n = ctx.namer
        rules = {
            "failed": aws.CloudwatchEventRule(
                self,
                "on-failure",
                name=n.generic("job-failed"),
                description="A streaming job run ended FAILED, TIMEOUT or ERROR",
                event_pattern=json.dumps(
                    {
                        "source": ["aws.glue"],
                        "detail-type": ["Glue Job State Change"],
                        "detail": {"jobName": job_names, "state": RESTART_STATES},
                    }
                ),
            ),
            "schedule": aws.CloudwatchEventRule(
                self,
                "schedule",
                name=n.generic("job-keeper"),
                description="Safety net: start any streaming job that is not running",
                schedule_expression=KEEPER_SCHEDULE,
            ),
        }
        for key, rule in rules.items():
            aws.CloudwatchEventTarget(self, f"{key}-target", rule=rule.name, arn=self.lambda_.arn)
            aws.LambdaPermission(
                self,
                f"{key}-invoke",
                statement_id=f"EventBridge{key.capitalize()}",
                action="lambda:InvokeFunction",
                function_name=self.lambda_.name,
                principal="events.amazonaws.com",
                source_arn=rule.arn,
                source_account=ctx.account_id,
            )
        # Start the jobs at deploy, again whenever their code or schema changes. A first run that starts before
        # its Lake Formation grants exist fails, and the keeper restarts it on the FAILED event.
        self.start = aws.LambdaInvocation(
            self,
            "start-at-deploy",
            function_name=self.lambda_.name,
            input=json.dumps({"action": "deploy"}),
            triggers={
                "script": processing.script.source_hash,
                "package": processing.package.source_hash,
                "schema": migration.invocation.id,
            },
            depends_on=processing.jobs,
        )
