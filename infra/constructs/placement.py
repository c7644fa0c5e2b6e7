"""Where a workload sits in the private network: its subnets, its security group, and the key its logs are
encrypted with. One object, handed to every construct that runs in the VPC (functions, the database, the job)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from infra import aws


@dataclass(frozen=True)
class VpcPlacement:
    subnets: Sequence[aws.Subnet]
    security_group: aws.SecurityGroup
    log_key: aws.KmsKey

    @property
    def subnet_ids(self) -> list[str]:
        return [subnet.id for subnet in self.subnets]
