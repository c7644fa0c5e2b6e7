"""The schema migration: applies anomaly/schema.sql once per deploy, from inside the VPC, through the handler
infra/lambdas/schema_migration.py."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from constructs import Construct

from infra import aws
from infra.components.database import MonitoringDatabase
from infra.constructs.iam import Statement
from infra.constructs.placement import VpcPlacement
from infra.constructs.vpc_function import VpcFunction
from infra.context import PlatformContext
from infra.lambdas import HANDLERS

SCHEMA_SQL = Path(__file__).resolve().parents[2] / "anomaly" / "schema.sql"


class SchemaMigration(Construct):
    """anomaly/schema.sql into `database` through the RDS Data API as the RDS-managed master user (its secret under
    `secrets_key`), from a function in `placement`; re-run when the file changes."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        ctx: PlatformContext,
        *,
        database: MonitoringDatabase,
        secrets_key: aws.KmsKey,
        placement: VpcPlacement,
    ) -> None:
        super().__init__(scope, id_)
        cluster, master_secret_arn = database.cluster, database.secret_arn
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
                Statement("DecryptMasterSecret", ["kms:Decrypt"], [secrets_key.arn]),
            ],
            key=secrets_key,
            placement=placement,
            environment={
                "CLUSTER_ARN": cluster.arn,
                "SECRET_ARN": master_secret_arn,
                "DATABASE_NAME": database.database_name,
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
            depends_on=database.instances,
        )
