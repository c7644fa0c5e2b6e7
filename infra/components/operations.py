"""Run-time operations the stack owns: the job keeper (starts the streaming jobs after deploy, restarts them after
a failure) and the schema migration (applies anomaly/schema.sql once per deploy, from inside the VPC)."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from constructs import Construct

from infra import aws
from infra.components.context import PlatformContext
from infra.components.functions import VpcFunction
from infra.components.iam import Statement

INFRA = Path(__file__).resolve().parent.parent
BUILD_DIR = INFRA.parent / "build" / "lambda"
SCHEMA_SQL = INFRA.parent / "anomaly" / "schema.sql"
KEEPER_SCHEDULE = "rate(5 minutes)"
RESTART_STATES = ["FAILED", "TIMEOUT", "ERROR"]


def staged(name: str, files: dict[str, Path]) -> Path:
    """A Lambda code folder under build/, holding exactly `files` (so the asset hash follows their content)."""
    folder = BUILD_DIR / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for target, source in files.items():
        shutil.copyfile(source, folder / target)
    return folder


class JobKeeper(Construct):
    def __init__(
        self,
        scope: Construct,
        id_: str,
        ctx: PlatformContext,
        *,
        jobs: list[aws.GlueJob],
        job_names: list[str],
        metrics_namespace: str,
        key_arn: str,
        log_key_arn: str,
        subnet_ids: list[str],
        security_group_id: str,
        deploy_triggers: dict[str, str],
    ) -> None:
        super().__init__(scope, id_)
        self.lambda_ = VpcFunction(
            self,
            "keeper",
            ctx,
            purpose="glue-job-keeper",
            description="Starts the streaming jobs after deploy and restarts them after a failure",
            code=staged("keeper", {"glue_job_keeper.py": INFRA / "keeper" / "glue_job_keeper.py"}),
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
            key_arn=key_arn,
            log_key_arn=log_key_arn,
            subnet_ids=subnet_ids,
            security_group_id=security_group_id,
            environment={"JOB_NAMES": json.dumps(job_names), "METRICS_NAMESPACE": metrics_namespace},
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
            triggers=deploy_triggers,
            depends_on=jobs,
        )


class SchemaMigration(Construct):
    """anomaly/schema.sql through the RDS Data API as the RDS-managed master user, re-run when the file changes."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        ctx: PlatformContext,
        *,
        cluster: aws.RdsCluster,
        master_secret_arn: str,
        database_name: str,
        instances: list,
        key_arn: str,
        secrets_key_arn: str,
        log_key_arn: str,
        subnet_ids: list[str],
        security_group_id: str,
    ) -> None:
        super().__init__(scope, id_)
        self.lambda_ = VpcFunction(
            self,
            "migration",
            ctx,
            purpose="schema-migration",
            description="Applies the monitoring database schema (anomaly/schema.sql) at deploy",
            code=staged(
                "migration",
                {"schema_migration.py": INFRA / "migration" / "schema_migration.py", "schema.sql": SCHEMA_SQL},
            ),
            handler="schema_migration.handler",
            statements=[
                Statement(
                    "RunStatements",
                    [
                        "rds-data:BeginTransaction",
                        "rds-data:CommitTransaction",
                        "rds-data:ExecuteStatement",
                        "rds-data:RollbackTransaction",
                    ],
                    [cluster.arn],
                ),
                Statement("ReadMasterSecret", ["secretsmanager:GetSecretValue"], [master_secret_arn]),
                Statement("DecryptMasterSecret", ["kms:Decrypt"], [secrets_key_arn]),
            ],
            key_arn=key_arn,
            log_key_arn=log_key_arn,
            subnet_ids=subnet_ids,
            security_group_id=security_group_id,
            environment={
                "CLUSTER_ARN": cluster.arn,
                "SECRET_ARN": master_secret_arn,
                "DATABASE_NAME": database_name,
            },
            timeout=120,
            concurrency=1,
            synchronous_reason="invoked synchronously by the deploy (aws_lambda_invocation), which fails with "
            "the function's error; there is no asynchronous event to keep",
        )
        self.invocation = aws.LambdaInvocation(
            self,
            "apply-at-deploy",
            function_name=self.lambda_.name,
            input=json.dumps({"action": "migrate"}),
            triggers={"schema_sha256": hashlib.sha256(SCHEMA_SQL.read_bytes()).hexdigest()},
            depends_on=instances,
        )
