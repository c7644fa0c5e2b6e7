"""Encrypted, retained CloudWatch log groups: the only way this repo creates one."""

from __future__ import annotations

from constructs import Construct

from infra import aws
from infra.context import PlatformContext


def retention_days(ctx: PlatformContext) -> int:
    """One year in production (audit evidence), one month for ephemeral environments."""
    return 365 if ctx.production else 30


def encrypted_log_group(
    scope: Construct, id_: str, ctx: PlatformContext, name: str, key: aws.KmsKey
) -> aws.CloudwatchLogGroup:
    """A log group encrypted with `key` and kept for the profile's retention."""
    return aws.CloudwatchLogGroup(
        scope,
        id_,
        name=name,
        kms_key_id=key.arn,
        retention_in_days=retention_days(ctx),
        skip_destroy=False,
    )
