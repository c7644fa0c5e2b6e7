"""Run terraform on a synthesized stack: offline from the provider mirror when one is configured."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path


class DeployError(RuntimeError):
    """A deploy step failed; the message says which and what to do."""


def mirror_dir() -> Path | None:
    """TF_PROVIDER_MIRROR: a folder holding registry.terraform.io/hashicorp/aws/<version>/."""
    value = os.environ.get("TF_PROVIDER_MIRROR")
    if value and (Path(value) / "registry.terraform.io" / "hashicorp" / "aws").is_dir():
        return Path(value)
    return None


def missing_tools() -> list[str]:
    missing = []
    if not shutil.which("terraform"):
        missing.append("terraform is not on PATH")
    if mirror_dir() is None:
        missing.append("TF_PROVIDER_MIRROR does not point at a provider mirror (registry.terraform.io/hashicorp/aws)")
    return missing


@dataclass
class Terraform:
    workdir: Path
    env: dict[str, str]

    @classmethod
    def offline(cls, workdir: Path, extra_env: dict[str, str]) -> Terraform:
        mirror = mirror_dir()
        if mirror is None:
            raise DeployError("no provider mirror: set TF_PROVIDER_MIRROR")
        rc = workdir / ".terraformrc"
        rc.write_text(
            f'provider_installation {{\n  filesystem_mirror {{\n    path    = "{mirror}"\n'
            '    include = ["registry.terraform.io/*/*"]\n  }\n}\n'
        )
        env = {**os.environ, **extra_env, "TF_CLI_CONFIG_FILE": str(rc), "TF_IN_AUTOMATION": "1", "TF_INPUT": "0"}
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
