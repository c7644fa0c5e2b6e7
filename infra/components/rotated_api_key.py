"""The MES API key: an existing secret, fetched by name (never created with a value here) and rotated by our own
Lambda (infra/lambdas/api_key_rotation.py)."""

from __future__ import annotations

from constructs import Construct

from infra import aws
from infra.constructs.iam import Statement
from infra.constructs.placement import VpcPlacement
from infra.constructs.vpc_function import VpcFunction
from infra.context import PlatformContext
from infra.lambdas import HANDLERS

ROTATION_DAYS = 30


class RotatedApiKey(Construct):
    """The MES API key: an existing secret (encrypted with `key`), rotated every 30 days by
    `infra/lambdas/api_key_rotation.py` from a function in `placement`."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        ctx: PlatformContext,
        *,
        key: aws.KmsKey,
        placement: VpcPlacement,
    ) -> None:
        super().__init__(scope, id_)
        self.secret = aws.DataAwsSecretsmanagerSecret(self, "mes-api-key", name=ctx.config.mes_secret_name)
        environment = {"SECRETS_MANAGER_ENDPOINT": f"https://secretsmanager.{ctx.region}.amazonaws.com"}
        if ctx.config.mes_verify_url:
            environment["MES_VERIFY_URL"] = ctx.config.mes_verify_url
        self.lambda_ = VpcFunction(
            self,
            "rotation-lambda",
            ctx,
            purpose="api-key-rotation",
            description="Rotates the MES API key (createSecret, setSecret, testSecret against the MES, finishSecret)",
            code={"api_key_rotation.py": HANDLERS / "api_key_rotation.py"},
            handler="api_key_rotation.handler",
            statements=[
                Statement(
                    "RotateThisSecret",
                    [
                        "secretsmanager:DescribeSecret",
                        "secretsmanager:GetSecretValue",
                        "secretsmanager:PutSecretValue",
                        "secretsmanager:UpdateSecretVersionStage",
                    ],
                    [self.secret.arn],
                ),
                Statement(
                    "GenerateKeys",
                    ["secretsmanager:GetRandomPassword"],
                    ["*"],
                    conditions=[("StringEquals", "aws:RequestedRegion", [ctx.region])],
                ),
                Statement("UseSecretsKey", ["kms:Decrypt", "kms:GenerateDataKey"], [key.arn]),
            ],
            key=key,
            placement=placement,
            environment=environment,
            synchronous_reason="Secrets Manager invokes rotation synchronously and retries failed steps itself; a "
            "DLQ only receives asynchronous invocations",
        )
        self.function = self.lambda_.function
        self.log_group = self.lambda_.log_group
        permission = aws.LambdaPermission(
            self,
            "invoke",
            statement_id="SecretsManagerRotation",
            action="lambda:InvokeFunction",
            function_name=self.function.function_name,
            principal="secretsmanager.amazonaws.com",
            source_arn=self.secret.arn,
            source_account=ctx.account_id,
        )
        self.rotation = aws.SecretsmanagerSecretRotation(
            self,
            "rotation",
            secret_id=self.secret.id,
            rotation_lambda_arn=self.function.arn,
            rotation_rules=aws.SecretsmanagerSecretRotationRotationRules(automatically_after_days=ROTATION_DAYS),
            rotate_immediately=False,
            depends_on=[permission],
        )
