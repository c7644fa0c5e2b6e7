"""Existing secrets: fetched by name (never created with a value here) and rotated by our own Lambda."""

from __future__ import annotations

from pathlib import Path

from cdktf import AssetType, TerraformAsset
from constructs import Construct

from infra import aws
from infra.components.context import PlatformContext
from infra.components.iam import Statement, service_role
from infra.components.logs import encrypted_log_group
from policies import suppress

ROTATION_CODE = Path(__file__).resolve().parent.parent / "rotation"
ROTATION_DAYS = 30
LAMBDA_RUNTIME = "python3.12"


class RotatedApiKey(Construct):
    """The MES API key: an existing secret, rotated every 30 days by `infra/rotation/api_key_rotation.py`."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        ctx: PlatformContext,
        *,
        secrets_key_arn: str,
        log_key_arn: str,
        subnet_ids: list[str],
        security_group_id: str,
    ) -> None:
        super().__init__(scope, id_)
        n = ctx.namer
        self.secret = aws.DataAwsSecretsmanagerSecret(self, "mes-api-key", name=ctx.config.mes_secret_name)
        function_name = n.lambda_function("api-key-rotation")
        self.log_group = encrypted_log_group(self, "logs", ctx, f"/aws/lambda/{function_name}", log_key_arn)
        code = TerraformAsset(self, "code", path=str(ROTATION_CODE), type=AssetType.ARCHIVE)
        role = service_role(
            self,
            "role",
            n.iam_role("api-key-rotation"),
            "lambda.amazonaws.com",
            [
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
                Statement("UseSecretsKey", ["kms:Decrypt", "kms:GenerateDataKey"], [secrets_key_arn]),
                Statement("WriteLogs", ["logs:CreateLogStream", "logs:PutLogEvents"], [f"{self.log_group.arn}:*"]),
                Statement(
                    "DescribeVpcInterfaces",
                    ["ec2:DescribeNetworkInterfaces"],
                    ["*"],
                    conditions=[("StringEquals", "aws:RequestedRegion", [ctx.region])],
                ),
                Statement(
                    "ManageVpcInterfaces",
                    [
                        "ec2:CreateNetworkInterface",
                        "ec2:DeleteNetworkInterface",
                        "ec2:AssignPrivateIpAddresses",
                        "ec2:UnassignPrivateIpAddresses",
                    ],
                    [
                        ctx.arn("ec2", "network-interface/*"),
                        *(ctx.arn("ec2", f"subnet/{s}") for s in subnet_ids),
                        ctx.arn("ec2", f"security-group/{security_group_id}"),
                    ],
                ),
            ],
            ctx.account_id,
        )
        suppress(
            self,
            "IAM-LP-002",
            reason="Lambda creates and deletes its VPC ENIs with IDs unknown before the run; creation is confined "
            "to the named subnets and security group",
            applies_to=["ec2:DeleteNetworkInterface"],
        )
        self.function = aws.LambdaFunction(
            self,
            "function",
            function_name=function_name,
            description="Rotates the MES API key (createSecret, setSecret, testSecret, finishSecret)",
            role=role.arn,
            runtime=LAMBDA_RUNTIME,
            handler="api_key_rotation.handler",
            filename=code.path,
            source_code_hash=code.asset_hash,
            timeout=30,
            memory_size=256,
            reserved_concurrent_executions=2,
            kms_key_arn=secrets_key_arn,
            environment=aws.LambdaFunctionEnvironment(
                variables={"SECRETS_MANAGER_ENDPOINT": f"https://secretsmanager.{ctx.region}.amazonaws.com"}
            ),
            vpc_config=aws.LambdaFunctionVpcConfig(subnet_ids=subnet_ids, security_group_ids=[security_group_id]),
            tracing_config=aws.LambdaFunctionTracingConfig(mode="Active"),
            logging_config=aws.LambdaFunctionLoggingConfig(log_format="JSON", log_group=self.log_group.name),
            depends_on=[self.log_group],
        )
        suppress(
            self.function,
            "CKV_AWS_116",
            reason="Secrets Manager invokes rotation synchronously and retries failed steps itself; a DLQ only "
            "receives asynchronous invocations",
        )
        suppress(
            self.function,
            "CKV_AWS_272",
            reason="accepted risk: the code is this repo's reviewed source, pinned by source_code_hash; an AWS "
            "Signer profile is an account-level service not yet provisioned",
        )
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
