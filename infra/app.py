"""Build the cdktf app from a config: the one function the CLI, cdktf-cli, tests and benchmarks share."""

from __future__ import annotations

from cdktf import App

from infra.config import PlatformConfig, Sizing, with_overrides
from infra.stacks.account_baseline import AccountBaselineStack
from infra.stacks.environment import IotPlatformStack

STACKS = ("environment", "account-baseline")


def build_app(
    config: PlatformConfig, outdir: str = "cdktf.out", guardrails: bool = True
) -> tuple[App, IotPlatformStack]:
    """The app with the platform stack; with `guardrails`, the policy Aspect runs over every construct."""
    app = App(outdir=outdir)
    stack = IotPlatformStack(app, config)
    if guardrails:
        from policies import guard

        guard(app, profile=config.profile, baseline=config.baseline)
    return app, stack


def build_baseline_app(
    config: PlatformConfig, outdir: str = "cdktf.out", guardrails: bool = True
) -> tuple[App, AccountBaselineStack]:
    """The app with the account baseline alone; Guardrails judge it with the production rules (it is long-lived)."""
    app = App(outdir=outdir)
    stack = AccountBaselineStack(app, baseline_config(config))
    if guardrails:
        from policies import guard

        guard(app, profile="production", baseline=config.baseline)
    return app, stack


def baseline_config(config: PlatformConfig) -> PlatformConfig:
    """The baseline is not an environment: no suffix of a PR, always the production posture."""
    return with_overrides(
        config, environment_suffix="account-baseline", profile="production", sizing=Sizing(retention_hours=168)
    )
