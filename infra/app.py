"""Build the cdktf app from a config: the one function the CLI, cdktf-cli, tests and benchmarks share."""

from __future__ import annotations

from cdktf import App

from infra.config import PlatformConfig
from infra.stack import IotPlatformStack


def build_app(
    config: PlatformConfig, outdir: str = "cdktf.out", guardrails: bool = True
) -> tuple[App, IotPlatformStack]:
    """The app with the platform stack; with `guardrails`, the policy Aspect runs over every construct."""
    app = App(outdir=outdir)
    stack = IotPlatformStack(app, config)
    if guardrails:
        from policies import guard

        guard(app, profile=config.profile)
    return app, stack
