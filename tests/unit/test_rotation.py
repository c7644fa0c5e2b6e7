"""The MES API key rotation Lambda against moto's Secrets Manager: all four steps, idempotency, bad input."""

from __future__ import annotations

import io
import json
import uuid
import zipfile

import boto3
import pytest
from moto import mock_aws

from infra.rotation import api_key_rotation as rotation


@pytest.fixture
def secret():
    with mock_aws():
        client = boto3.client("secretsmanager", region_name="eu-central-1")
        arn = client.create_secret(
            Name="iotsp/t/mes-api-key", SecretString=json.dumps({"api_key": "old-key", "client": "mes"})
        )["ARN"]
        client.rotate_secret(
            SecretId=arn,
            RotationLambdaARN=_rotation_function(),
            RotationRules={"AutomaticallyAfterDays": 30},
            RotateImmediately=False,
        )
        yield client, arn


def _rotation_function() -> str:
    """A rotation function registered in moto (never invoked there: moto would need docker for that)."""
    role = boto3.client("iam", region_name="eu-central-1").create_role(
        RoleName="rotation", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []})
    )["Role"]["Arn"]
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(rotation.__file__, "api_key_rotation.py")
    return boto3.client("lambda", region_name="eu-central-1").create_function(
        FunctionName="rot",
        Runtime="python3.12",
        Role=role,
        Handler="api_key_rotation.handler",
        Code={"ZipFile": archive.getvalue()},
    )["FunctionArn"]


def run(client, arn, token, step):
    rotation.handler({"SecretId": arn, "ClientRequestToken": token, "Step": step}, None, client)


def value(client, arn, stage):
    return json.loads(client.get_secret_value(SecretId=arn, VersionStage=stage)["SecretString"])


def test_four_steps_rotate_the_key_and_keep_other_fields(secret):
    client, arn = secret
    token = str(uuid.uuid4())
    for step in rotation.STEPS:
        run(client, arn, token, step)
    current = value(client, arn, "AWSCURRENT")
    assert current["client"] == "mes" and current["api_key"] != "old-key"
    assert len(current["api_key"]) == rotation.KEY_LENGTH and current["api_key"].isalnum()
    assert value(client, arn, "AWSPREVIOUS")["api_key"] == "old-key"


def test_steps_are_idempotent(secret):
    client, arn = secret
    token = str(uuid.uuid4())
    run(client, arn, token, "createSecret")
    pending = client.get_secret_value(SecretId=arn, VersionStage="AWSPENDING")["SecretString"]
    run(client, arn, token, "createSecret")  # a retried step does not generate another key
    assert client.get_secret_value(SecretId=arn, VersionStage="AWSPENDING")["SecretString"] == pending
    for step in ("setSecret", "testSecret", "finishSecret", "finishSecret"):
        run(client, arn, token, step)
    assert value(client, arn, "AWSCURRENT")["api_key"] == json.loads(pending)["api_key"]


def test_bad_events_are_refused(secret):
    client, arn = secret
    with pytest.raises(rotation.RotationError, match="unknown rotation step"):
        run(client, arn, str(uuid.uuid4()), "dropSecret")
    with pytest.raises(rotation.RotationError, match="not a version"):
        run(client, arn, str(uuid.uuid4()), "setSecret")
    current = next(
        v for v, s in client.describe_secret(SecretId=arn)["VersionIdsToStages"].items() if "AWSCURRENT" in s
    )
    run(client, arn, current, "testSecret")  # already current: nothing to do


def test_test_step_rejects_a_malformed_pending_key(secret):
    client, arn = secret
    token = str(uuid.uuid4())
    client.put_secret_value(
        SecretId=arn,
        ClientRequestToken=token,
        SecretString=json.dumps({"api_key": "short!"}),
        VersionStages=["AWSPENDING"],
    )
    with pytest.raises(rotation.RotationError, match="alphanumeric"):
        run(client, arn, token, "testSecret")
    other = str(uuid.uuid4())
    client.put_secret_value(
        SecretId=arn, ClientRequestToken=other, SecretString="not json", VersionStages=["AWSPENDING"]
    )
    with pytest.raises(rotation.RotationError, match="not JSON"):
        run(client, arn, other, "setSecret")


def test_rotation_must_be_enabled():
    with mock_aws():
        client = boto3.client("secretsmanager", region_name="eu-central-1")
        arn = client.create_secret(Name="plain", SecretString="{}")["ARN"]
        with pytest.raises(rotation.RotationError, match="rotation enabled"):
            run(client, arn, str(uuid.uuid4()), "createSecret")
