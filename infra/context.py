"""What every construct of the platform needs to know: config, names, account, partition, region."""

from __future__ import annotations

from dataclasses import dataclass

from infra.config import PlatformConfig
from infra.naming import Namer


@dataclass(frozen=True)
class PlatformContext:
    config: PlatformConfig
    namer: Namer
    account_id: str  # a Terraform reference to aws_caller_identity
    partition: str  # a Terraform reference to aws_partition

    @property
    def region(self) -> str:
        return self.config.region

    @property
    def production(self) -> bool:
        return self.config.is_production

    def arn(self, service: str, resource: str, region: bool = True, account: bool = True) -> str:
        return (
            f"arn:{self.partition}:{service}:{self.region if region else ''}:"
            f"{self.account_id if account else ''}:{resource}"
        )

    @property
    def root_principal(self) -> str:
        return f"arn:{self.partition}:iam::{self.account_id}:root"

    def line_purpose(self, purpose: str, line: int) -> str:
        """Per-production-line names: unchanged for a single line, `-l<n>` when there are several."""
        return purpose if self.config.production_lines == 1 else f"{purpose}-l{line}"
