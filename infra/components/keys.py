"""Customer-managed KMS keys, one per data domain, rotated, with explicit least-privilege key policies."""

from __future__ import annotations

from constructs import Construct

from infra import aws
from infra.constructs.iam import Statement, policy_document
from infra.context import PlatformContext

DOMAINS = {
    "stream": "Kinesis sensor stream",
    "lake": "S3 data lake, Athena results and Glue job data",
    "database": "Aurora PostgreSQL storage and Performance Insights",
    "observability": "CloudWatch Logs, SNS alerts and Glue job logs",
    "secrets": "Secrets Manager secrets (database master user, MES API key)",
}

# Administration through IAM: who may manage keys is decided by IAM policies in this account.
ADMIN_ACTIONS = [
    "kms:CancelKeyDeletion",
    "kms:Create*",
    "kms:Delete*",
    "kms:Describe*",
    "kms:Disable*",
    "kms:Enable*",
    "kms:Get*",
    "kms:List*",
    "kms:Put*",
    "kms:Revoke*",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:Update*",
]
USE_ACTIONS = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"]


class PlatformKeys(Construct):
    """`keys.key(domain)` is the CMK of a data domain, `keys.arn(domain)` its ARN."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        ctx: PlatformContext,
        domains: dict[str, str] = DOMAINS,
        log_domain: str = "observability",
    ) -> None:
        super().__init__(scope, id_)
        self.keys: dict[str, aws.KmsKey] = {}
        self.log_domain = log_domain
        for domain, description in domains.items():
            statements = [
                Statement(
                    "KeyAdministrationThroughIam", ADMIN_ACTIONS, ["*"], principals={"AWS": [ctx.root_principal]}
                ),
                Statement(
                    "KeyUseThroughIam",
                    [*USE_ACTIONS, "kms:CreateGrant"],
                    ["*"],
                    principals={"AWS": [ctx.root_principal]},
                    conditions=[("StringEquals", "kms:CallerAccount", [ctx.account_id])],
                ),
                *(self._log_service_statements(ctx) if domain == log_domain else []),
            ]
            document = policy_document(self, f"{domain}-policy", statements)
            key = aws.KmsKey(
                self,
                domain,
                description=f"{description} ({ctx.config.environment_suffix})",
                enable_key_rotation=True,
                rotation_period_in_days=365,
                deletion_window_in_days=30 if ctx.production else 7,
                key_usage="ENCRYPT_DECRYPT",
                customer_master_key_spec="SYMMETRIC_DEFAULT",
                policy=document.json,
                tags={"DataDomain": domain},
            )
            aws.KmsAlias(self, f"{domain}-alias", name=ctx.namer.kms_alias(domain), target_key_id=key.key_id)
            self.keys[domain] = key

    def key(self, domain: str) -> aws.KmsKey:
        return self.keys[domain]

    def arn(self, domain: str) -> str:
        return self.keys[domain].arn

    @staticmethod
    def _log_service_statements(ctx: PlatformContext) -> list[Statement]:
        """Service principals that encrypt logs and alerts on our behalf, each bound to this account."""
        return [
            Statement(
                "CloudWatchLogsEncryptsLogGroups",
                USE_ACTIONS,
                ["*"],
                principals={"Service": [f"logs.{ctx.region}.amazonaws.com"]},
                conditions=[
                    (
                        "ArnLike",
                        "kms:EncryptionContext:aws:logs:arn",
                        [ctx.arn("logs", "log-group:*")],
                    )
                ],
            ),
            Statement(
                "CloudWatchAlarmsPublishToEncryptedTopic",
                ["kms:Decrypt", "kms:GenerateDataKey*"],
                ["*"],
                principals={"Service": ["cloudwatch.amazonaws.com"]},
                conditions=[("StringEquals", "aws:SourceAccount", [ctx.account_id])],
            ),
        ]
