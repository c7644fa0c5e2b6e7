"""The S3 state backend and emulator provider settings in the synthesized stack, and the Terraform runner."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from infra.config import ConfigError, load_config
from infra.deploy.local_target import releases
from infra.deploy.outputs import write_flat_outputs
from infra.deploy.terraform import DeployError, Terraform
from tests.conftest import synthesize


def test_s3_backend_is_encrypted_and_locked(tmp_path_factory):
    stack = synthesize(
        tmp_path_factory, "s3backend", backend="s3", state_bucket="team-tf-state", state_kms_key_id="alias/tf-state"
    )
    backend = stack.document["terraform"]["backend"]["s3"]
    assert backend["encrypt"] is True and backend["use_lockfile"] is True
    assert backend["bucket"] == "team-tf-state" and backend["key"] == "iot-platform/ci-test/terraform.tfstate"
    assert backend["kms_key_id"] == "alias/tf-state"


def test_emulator_settings_only_on_loopback(tmp_path_factory):
    stack = synthesize(tmp_path_factory, "emulated", emulator_endpoint="http://127.0.0.1:4566")
    provider = stack.document["provider"]["aws"][0]
    assert provider["endpoints"][0]["kinesis"] == "http://127.0.0.1:4566" and provider["max_retries"] == 2
    assert provider["skip_credentials_validation"] is True
    with pytest.raises(ConfigError, match="loopback"):
        load_config({}, {}, {"environment_suffix": "x", "emulator_endpoint": "http://10.0.0.5:4566"})


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


@pytest.mark.terraform
def test_terraform_runner_offline(tmp_path, monkeypatch):
    mirror = os.environ.get("TF_PROVIDER_MIRROR", "")
    if not shutil.which("terraform") or not (Path(mirror) / "registry.terraform.io").is_dir():
        pytest.skip("terraform or TF_PROVIDER_MIRROR is missing: the runner test needs both")
    (tmp_path / "main.tf.json").write_text(json.dumps({"output": {"answer": {"value": "42"}}}))
    tf = Terraform.offline(tmp_path, {})
    tf.run("init", "-input=false")
    tf.run("apply", "-auto-approve", "-input=false")
    assert tf.outputs() == {"answer": "42"} and tf.state_list() == []
    with pytest.raises(DeployError, match="terraform validate failed"):
        (tmp_path / "broken.tf.json").write_text('{"resource": {"nope": 1}}')
        tf.run("validate")
    monkeypatch.setenv("TF_PROVIDER_MIRROR", str(tmp_path / "none"))
    with pytest.raises(DeployError, match="TF_PROVIDER_MIRROR"):
        Terraform.offline(tmp_path, {})
