"""The schema migration: applies anomaly/schema.sql once per deploy, from inside the VPC, through the handler
infra/lambdas/schema_migration.py."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from constructs import Construct

from infra import aws
from infra.constructs.iam import Statement
from infra.constructs.vpc_function import VpcFunction
from infra.context import PlatformContext
from infra.lambdas import HANDLERS

SCHEMA_SQL = Path(__file__).resolve().parents[2] / "anomaly" / "schema.sql"


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
            code={"schema_migration.py": HANDLERS / "schema_migration.py", "schema.sql": SCHEMA_SQL},
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
