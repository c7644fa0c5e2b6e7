"""The Terraform runner and its provider source (infra/deploy/terraform.py): a mirror, the registry, or one line
saying neither."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from infra.deploy import terraform
from infra.deploy.terraform import DeployError, ProviderSource, Terraform, provider_source


def test_provider_source_mirror_registry_or_one_line(monkeypatch, tmp_path):
    mirror = tmp_path / "mirror"
    (mirror / "registry.terraform.io" / "hashicorp" / "aws" / "5.99.0").mkdir(parents=True)
    monkeypatch.setattr(terraform.shutil, "which", lambda tool: f"/usr/bin/{tool}")
    monkeypatch.setenv("TF_PROVIDER_MIRROR", str(mirror))
    assert provider_source(None) == ProviderSource(mirror)  # some provider: enough before synth names the version
    with pytest.raises(DeployError, match=r"holds no registry.terraform.io/hashicorp/aws/5.100.0/ \(found: 5.99.0\)"):
        provider_source("5.100.0")
    (mirror / "registry.terraform.io" / "hashicorp" / "aws" / "5.100.0").mkdir()
    assert provider_source("5.100.0").describe() == f"provider mirror {mirror}"
    monkeypatch.delenv("TF_PROVIDER_MIRROR")
    monkeypatch.setattr(terraform, "registry_reachable", lambda: True)
    assert provider_source("5.100.0").describe() == "provider registry registry.terraform.io"
    monkeypatch.setattr(terraform, "registry_reachable", lambda: False)
    with pytest.raises(DeployError, match=r"TF_PROVIDER_MIRROR is unset and registry\.terraform\.io is unreachable"):
        provider_source("5.100.0")
    monkeypatch.setattr(terraform.shutil, "which", lambda tool: None)
    with pytest.raises(DeployError, match="terraform is not on PATH"):
        provider_source("5.100.0")


def test_registry_probe_answers_without_hanging():
    started = time.monotonic()
    assert terraform.registry_reachable(timeout=3.0) in (True, False)
    assert time.monotonic() - started < 10


@pytest.mark.terraform
def test_terraform_runner_offline(tmp_path):
    mirror = os.environ.get("TF_PROVIDER_MIRROR", "")
    if not shutil.which("terraform") or not (Path(mirror) / "registry.terraform.io").is_dir():
        pytest.skip("terraform or TF_PROVIDER_MIRROR is missing: the runner test needs both")
    (tmp_path / "main.tf.json").write_text(json.dumps({"output": {"answer": {"value": "42"}}}))
    tf = Terraform.prepared(tmp_path, {}, provider_source("5.100.0"))
    assert "filesystem_mirror" in (tmp_path / ".terraformrc").read_text()
    tf.run("init", "-input=false")
    tf.run("apply", "-auto-approve", "-input=false")
    assert tf.outputs() == {"answer": "42"} and tf.state_list() == []
    with pytest.raises(DeployError, match="terraform validate failed"):
        (tmp_path / "broken.tf.json").write_text('{"resource": {"nope": 1}}')
        tf.run("validate")
    registry = Terraform.prepared(tmp_path / "other", {"X": "1"}, ProviderSource(None))
    assert registry.env["X"] == "1" and not (tmp_path / "other" / ".terraformrc").exists()
