"""A Lambda function in the platform's private subnets: encrypted logs, X-Ray tracing, least-privilege role."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from cdktf import AssetType, TerraformAsset
from constructs import Construct

from infra import aws
from infra.constructs.iam import Statement, service_role
from infra.constructs.log_group import encrypted_log_group
from infra.constructs.placement import VpcPlacement
from infra.context import PlatformContext
from policies import suppress

BUILD_DIR = Path(__file__).resolve().parents[2] / "build" / "lambda"
LAMBDA_RUNTIME = "python3.12"
# Active tracing needs these two actions on the execution role, or CreateFunction is refused with
# InvalidParameterValueException; X-Ray supports no resource-level permissions for them, so Resource is "*"
# (https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html,
# https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsx-ray.html).
XRAY_ACTIONS = ("xray:PutTraceSegments", "xray:PutTelemetryRecords")


def xray_statement(region: str) -> Statement:
    return Statement(
        "SendTraces", list(XRAY_ACTIONS), ["*"], conditions=[("StringEquals", "aws:RequestedRegion", [region])]
    )


def staged(name: str, files: Mapping[str, Path]) -> Path:
    """A Lambda code folder under build/, holding exactly `files` (so the asset hash follows their content).

    The folder is named after the content it holds and written once, by rename: synths running at the same time
    (tests on several cores, apps of several stacks) never see one another's half-written folder."""
    digest = hashlib.sha256()
    for target, source in sorted(files.items()):
        digest.update(target.encode() + b"\0" + Path(source).read_bytes() + b"\0")
    folder = BUILD_DIR / name / digest.hexdigest()[:16]
    if folder.is_dir():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=folder.parent))
    for target, source in files.items():
        shutil.copyfile(source, scratch / target)
    try:
        scratch.rename(folder)
    except OSError:  # another synth wrote the same content first
        shutil.rmtree(scratch, ignore_errors=True)
    return folder


class VpcFunction(Construct):
    """A function of the platform in `placement`, its environment encrypted with `key`. `code` maps each file name
    in the function's package to its source; the package is staged alone."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        ctx: PlatformContext,
        *,
        purpose: str,
        description: str,
        code: Mapping[str, Path],
        handler: str,
        statements: Sequence[Statement],
        key: aws.KmsKey,
        placement: VpcPlacement,
        environment: dict[str, str] | None = None,
        timeout: int = 30,
        concurrency: int = 2,
        synchronous_reason: str,
    ) -> None:
        super().__init__(scope, id_)
        n = ctx.namer
        name = n.lambda_function(purpose)
        self.log_group = encrypted_log_group(self, "logs", ctx, f"/aws/lambda/{name}", placement.log_key)
        asset = TerraformAsset(self, "code", path=str(staged(purpose, code)), type=AssetType.ARCHIVE)
        self.role = service_role(
            self,
            "role",
            n.iam_role(purpose),
            "lambda.amazonaws.com",
            [
                *statements,
                Statement("WriteLogs", ["logs:CreateLogStream", "logs:PutLogEvents"], [f"{self.log_group.arn}:*"]),
                xray_statement(ctx.region),
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
                        *(ctx.arn("ec2", f"subnet/{s}") for s in placement.subnet_ids),
                        ctx.arn("ec2", f"security-group/{placement.security_group.id}"),
                    ],
                ),
            ],
            ctx.account_id,
        )
        self.function = aws.LambdaFunction(
            self,
            "function",
            function_name=name,
            description=description,
            role=self.role.arn,
            runtime=LAMBDA_RUNTIME,
            handler=handler,
            filename=asset.path,
            source_code_hash=asset.asset_hash,
            timeout=timeout,
            memory_size=256,
            reserved_concurrent_executions=concurrency,
            kms_key_arn=key.arn,
            environment=aws.LambdaFunctionEnvironment(variables=environment) if environment else None,
            vpc_config=aws.LambdaFunctionVpcConfig(
                subnet_ids=placement.subnet_ids, security_group_ids=[placement.security_group.id]
            ),
            tracing_config=aws.LambdaFunctionTracingConfig(mode="Active"),
            logging_config=aws.LambdaFunctionLoggingConfig(log_format="JSON", log_group=self.log_group.name),
            # The role's policy (X-Ray among it) must exist before Lambda validates the role at CreateFunction.
            depends_on=[self.log_group, *self.role_policies()],
        )
        suppress(
            self,
            "IAM-LP-002",
            reason="Lambda creates and deletes its VPC ENIs with IDs unknown before the run; creation is confined "
            "to the named subnets and security group",
            applies_to=["ec2:DeleteNetworkInterface"],
        )
        suppress(self.function, "CKV_AWS_116", reason=synchronous_reason)
        suppress(
            self.function,
            "CKV_AWS_272",
            reason="accepted risk: the code is this repo's reviewed source, pinned by source_code_hash; an AWS "
            "Signer profile is an account-level service not yet provisioned",
        )

    def role_policies(self) -> list:
        return [c for c in self.node.children if isinstance(c, aws.IamRolePolicy)]

    @property
    def arn(self) -> str:
        return self.function.arn

    @property
    def name(self) -> str:
        return self.function.function_name
