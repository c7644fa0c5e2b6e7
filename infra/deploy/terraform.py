"""Run terraform on a synthesized stack: the AWS provider from a filesystem mirror when one is configured, from the
registry otherwise, and one line saying what is missing when neither can serve it."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

REGISTRY = ("registry.terraform.io", 443)


class DeployError(RuntimeError):
    """A deploy step failed; the message says which and what to do."""


@dataclass(frozen=True)
class ProviderSource:
    """Where `terraform init` gets the AWS provider: a filesystem mirror (offline) or the public registry."""

    mirror: Path | None

    def describe(self) -> str:
        return f"provider mirror {self.mirror}" if self.mirror else f"provider registry {REGISTRY[0]}"


def registry_reachable(timeout: float = 3.0) -> bool:
    try:
        with socket.create_connection(REGISTRY, timeout=timeout):
            return True
    except OSError:
        return False


def provider_source(version: str | None) -> ProviderSource:
    """The mirror in TF_PROVIDER_MIRROR when set, else the registry; DeployError (one line) when neither serves.
    `version` None checks only that the mirror holds some AWS provider (before synth says which version)."""
    if not shutil.which("terraform"):
        raise DeployError(
            "terraform is not on PATH (install terraform >= 1.10: developer.hashicorp.com/terraform/install)"
        )
    value = os.environ.get("TF_PROVIDER_MIRROR", "")
    if value:
        held = Path(value) / "registry.terraform.io" / "hashicorp" / "aws"
        if not (held / (version or "")).is_dir() or not any(held.iterdir()):
            found = sorted(p.name for p in held.iterdir()) if held.is_dir() else []
            raise DeployError(
                f"TF_PROVIDER_MIRROR={value} holds no registry.terraform.io/hashicorp/aws/{version or '<version>'}/"
                f" (found: {', '.join(found) or 'nothing'}); point it at a mirror of that version or unset it"
            )
        return ProviderSource(Path(value))
    if registry_reachable():
        return ProviderSource(None)
    raise DeployError(
        f"no AWS provider: TF_PROVIDER_MIRROR is unset and {REGISTRY[0]} is unreachable (set TF_PROVIDER_MIRROR "
        f"to a folder holding registry.terraform.io/hashicorp/aws/{version or '<version>'}/, or run where the "
        "registry is reachable)"
    )


@dataclass
class Terraform:
    workdir: Path
    env: dict[str, str]

    @classmethod
    def prepared(cls, workdir: Path, extra_env: dict[str, str], source: ProviderSource) -> Terraform:
        env = {**os.environ, **extra_env, "TF_IN_AUTOMATION": "1", "TF_INPUT": "0"}
        if source.mirror:
            rc = workdir / ".terraformrc"
            rc.write_text(
                f'provider_installation {{\n  filesystem_mirror {{\n    path    = "{source.mirror}"\n'
                '    include = ["registry.terraform.io/*/*"]\n  }\n}\n'
            )
            env["TF_CLI_CONFIG_FILE"] = str(rc)
        return cls(workdir, env)

    def run(self, *args: str, timeout: int = 1800, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run(
            ["terraform", *args, "-no-color"],
            cwd=self.workdir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-25:]
            raise DeployError(f"terraform {args[0]} failed in {self.workdir}:\n  " + "\n  ".join(tail))
        return done

    def outputs(self) -> dict[str, str]:
        raw = json.loads(self.run("output", "-json").stdout or "{}")
        return {name: str(item["value"]) for name, item in raw.items()}

    def state_list(self) -> list[str]:
        done = self.run("state", "list", check=False)
        return done.stdout.split() if done.returncode == 0 else []
