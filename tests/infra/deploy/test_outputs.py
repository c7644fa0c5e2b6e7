"""The deploy's outputs (infra/deploy/outputs.py): flat outputs checked against their schema, and the record of
the target they describe."""

from __future__ import annotations

import json

import pytest

from infra.deploy.outputs import read_target, remove_outputs, write_flat_outputs, write_target
from tests.conftest import PROJECT
from tests.deployability.conftest import baseline  # noqa: F401 - the account baseline, synthesized once


def test_flat_outputs_written_when_valid(tmp_path):
    schema = json.loads((PROJECT / "infra" / "schemas" / "flat-outputs.schema.json").read_text())
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


def test_flat_outputs_are_checked_against_the_schema(tmp_path):
    with pytest.raises(ValueError, match="flat-outputs"):
        write_flat_outputs({"streamName": "s"}, tmp_path / "o.json")
