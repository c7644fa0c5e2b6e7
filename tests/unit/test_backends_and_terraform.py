"""The S3 state backend in the synthesized stack, the emulator target made from a copy of it, and the Terraform
runner with its provider source (mirror, registry, or one line saying neither)."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from infra.deploy import terraform
from infra.deploy.local_target import ENDPOINT_OF, emulator_target, endpoint_keys, releases
from infra.deploy.outputs import read_target, remove_outputs, write_flat_outputs, write_target
from infra.deploy.terraform import DeployError, ProviderSource, Terraform, provider_source
from tests.conftest import synthesize


def test_s3_backend_is_encrypted_and_locked(tmp_path_factory):
    stack = synthesize(
        tmp_path_factory, "s3backend", backend="s3", state_bucket="team-tf-state", state_kms_key_id="alias/tf-state"
    )
    backend = stack.document["terraform"]["backend"]["s3"]
    assert backend["encrypt"] is True and backend["use_lockfile"] is True
    assert backend["bucket"] == "team-tf-state" and backend["key"] == "iot-platform/ci-test/terraform.tfstate"
    assert backend["kms_key_id"] == "alias/tf-state"


def test_emulator_target_is_a_pointed_copy(ephemeral, production, tmp_path):
    """The real stack carries no endpoint, credential or emulator setting; the copy points every service the
    stack calls at the emulator and keeps its state beside the run, whatever backend the real stack uses."""
    for stack in (ephemeral, production):
        provider = stack.document["provider"]["aws"][0]
        assert not {"endpoints", "access_key", "secret_key", "skip_credentials_validation"} & set(provider)
    before = json.dumps(ephemeral.document, sort_keys=True)
    local, removed = emulator_target(ephemeral.document, "http://127.0.0.1:4566", tmp_path / "s.tfstate")
    assert json.dumps(ephemeral.document, sort_keys=True) == before  # a copy: the synth output is untouched
    provider = local["provider"]["aws"][0]
    endpoints = provider["endpoints"][0]
    assert set(endpoints.values()) == {"http://127.0.0.1:4566"}
    assert {"kinesis", "s3", "kms", "iam", "sts", "glue", "rds", "lakeformation", "lambda"} <= set(endpoints)
    assert provider["access_key"] == "emulator" and provider["max_retries"] == 2
    assert provider["default_tags"] == ephemeral.document["provider"]["aws"][0]["default_tags"]
    assert local["terraform"]["backend"] == {"local": {"path": str(tmp_path / "s.tfstate")}}
    assert removed and all(r["reason"] for r in removed)


def test_emulator_target_never_keeps_a_remote_backend_or_profile(tmp_path_factory, tmp_path):
    stack = synthesize(tmp_path_factory, "s3target", backend="s3", state_bucket="team-tf-state")
    document = json.loads(json.dumps(stack.document))
    document["provider"]["aws"][0]["profile"] = "prod-admin"
    local, _ = emulator_target(document, "http://127.0.0.1:1", tmp_path / "x.tfstate")
    assert list(local["terraform"]["backend"]) == ["local"] and "profile" not in local["provider"]["aws"][0]


def test_every_type_needs_a_known_endpoint():
    assert endpoint_keys({"resource": {"aws_cloudwatch_log_group": {}}, "data": {"aws_partition": {}}}) == {
        "sts",
        "cloudwatchlogs",
    }
    assert endpoint_keys({"resource": {"aws_cloudwatch_metric_alarm": {}}}) == {"sts", "cloudwatch"}
    with pytest.raises(ValueError, match="aws_shield_protection: add the type to ENDPOINT_OF"):
        endpoint_keys({"resource": {"aws_shield_protection": {}}})
    with pytest.raises(ValueError, match="no AWS provider block"):
        emulator_target({"resource": {}}, "http://127.0.0.1:1", Path("x"))
    assert all(key is None or key.islower() for key in ENDPOINT_OF.values())


def test_releases_pick_only_the_listed_resources():
    document = {
        "resource": {
            "aws_glue_connection": {"c": {"name": "conn", "//": {"metadata": {"path": "s/processing/vpc"}}}},
            "aws_secretsmanager_secret_rotation": {
                "db": {"//": {"metadata": {"path": "s/database/secret-rotation"}}},
                "api": {"//": {"metadata": {"path": "s/mes-api-key/rotation"}}},
            },
        }
    }
    state = ["aws_glue_connection.c", "aws_secretsmanager_secret_rotation.db", "aws_secretsmanager_secret_rotation.api"]
    found = releases(state, document)
    assert [r["address"] for r in found] == ["aws_glue_connection.c", "aws_secretsmanager_secret_rotation.db"]
    assert found[0]["name"] == "conn" and all(r["reason"] for r in found)
    assert releases([], document) == []


def test_flat_outputs_written_when_valid(tmp_path):
    schema = json.loads(
        (Path(__file__).resolve().parents[2] / "infra" / "schemas" / "flat-outputs.schema.json").read_text()
    )
    outputs = {name: "arn:aws:x:eu-central-1:1:y" for name in schema["required"]}
    outputs.update(
        environmentSuffix="a1",
        profile="ephemeral",
        streamShardCount="20",
        iotTopicRuleName="r_1",
        streamArn="arn:aws:kinesis:eu-central-1:1:stream/s",
    )
    target = write_flat_outputs(outputs, tmp_path / "cfn-outputs" / "flat-outputs.json")
    assert json.loads(target.read_text()) == outputs
    missing = {k: v for k, v in outputs.items() if k != "iotPolicyName"}
    write_flat_outputs(missing, tmp_path / "o.json", may_be_missing={"iotPolicyName"})


def test_target_record_round_trip(tmp_path):
    assert read_target(tmp_path / "none.json") == {"target": "aws"}  # outputs without a record come from AWS
    path = write_target({"target": "emulator", "endpoint": "http://127.0.0.1:9", "pid": 1}, tmp_path / "t.json")
    assert read_target(path)["endpoint"] == "http://127.0.0.1:9"
    with pytest.raises(ValueError, match="'aws' or 'emulator'"):
        write_target({"target": "staging"}, tmp_path / "t.json")
    write_target({"target": "aws"}, tmp_path / "target.json")
    (tmp_path / "flat-outputs.json").write_text("{}")
    remove_outputs(tmp_path)
    assert not (tmp_path / "flat-outputs.json").exists() and not (tmp_path / "target.json").exists()


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
