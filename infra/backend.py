"""Where a stack keeps its Terraform state: the one place both stack kinds configure it."""

from __future__ import annotations

from infra.config import PlatformConfig
from policies.framework import LocalBackend, S3Backend, TerraformStack


def state_backend(stack: TerraformStack, config: PlatformConfig, s3_key: str, name: str) -> None:
    """Local state under state/ (outside git), or S3 with encryption and native locking."""
    if config.backend == "s3":
        S3Backend(
            stack,
            bucket=config.state_bucket or "",
            key=config.state_key or s3_key,
            region=config.region,
            encrypt=True,
            kms_key_id=config.state_kms_key_id,
        )
        # Terraform >= 1.10 locks state natively in S3; cdktf 0.21's S3Backend predates the option.
        stack.add_override("terraform.backend.s3.use_lockfile", True)
    else:
        # Relative to the stack's folder in cdktf.out: state survives a re-synth and never lands in git.
        LocalBackend(stack, path=f"../../../state/{name}.tfstate")
