"""Secrets Manager rotation Lambda for the MES API key: the four rotation steps, idempotent."""

from __future__ import annotations

import json
import logging
import os
import string
from typing import Any

import boto3

LOG = logging.getLogger()
LOG.setLevel(logging.INFO)
KEY_LENGTH = 48
KEY_ALPHABET = set(string.ascii_letters + string.digits)
STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")


class RotationError(Exception):
    """The rotation cannot proceed; Secrets Manager retries the step."""


def _client() -> Any:
    endpoint = os.environ.get("SECRETS_MANAGER_ENDPOINT") or None
    return boto3.client("secretsmanager", endpoint_url=endpoint)


def handler(event: dict[str, Any], context: Any, client: Any = None) -> None:
    client = client or _client()
    arn, token, step = event["SecretId"], event["ClientRequestToken"], event["Step"]
    if step not in STEPS:
        raise RotationError(f"unknown rotation step {step!r}; expected one of {', '.join(STEPS)}")
    metadata = client.describe_secret(SecretId=arn)
    if not metadata.get("RotationEnabled"):
        raise RotationError(f"secret {arn} does not have rotation enabled")
    stages = metadata.get("VersionIdsToStages", {})
    if token not in stages and step != "createSecret":  # createSecret creates the version for this token
        raise RotationError(f"version {token} is not a version of secret {arn}")
    if "AWSCURRENT" in stages.get(token, []):
        LOG.info("version %s is already AWSCURRENT; nothing to do", token)
        return
    if token in stages and "AWSPENDING" not in stages[token]:
        raise RotationError(f"version {token} of {arn} is not staged AWSPENDING")
    {"createSecret": create_secret, "setSecret": set_secret, "testSecret": test_secret, "finishSecret": finish_secret}[
        step
    ](client, arn, token)


def create_secret(client: Any, arn: str, token: str) -> None:
    """Stage a new key as AWSPENDING, keeping every other field of the current value."""
    current = json.loads(client.get_secret_value(SecretId=arn, VersionStage="AWSCURRENT")["SecretString"])
    try:
        client.get_secret_value(SecretId=arn, VersionId=token, VersionStage="AWSPENDING")
        LOG.info("pending version %s already exists", token)
        return
    except client.exceptions.ResourceNotFoundException:
        pass
    new_key = client.get_random_password(PasswordLength=KEY_LENGTH, ExcludePunctuation=True)["RandomPassword"]
    client.put_secret_value(
        SecretId=arn,
        ClientRequestToken=token,
        SecretString=json.dumps({**current, "api_key": new_key}),
        VersionStages=["AWSPENDING"],
    )
    LOG.info("created pending version %s", token)


def set_secret(client: Any, arn: str, token: str) -> None:
    """The MES reads its key from this secret, and our API accepts AWSCURRENT and AWSPENDING while both exist:
    no external system needs the new value pushed, so this step only proves the pending value is readable."""
    _pending(client, arn, token)


def test_secret(client: Any, arn: str, token: str) -> None:
    value = _pending(client, arn, token)
    key = value.get("api_key", "")
    if len(key) != KEY_LENGTH or not set(key) <= KEY_ALPHABET:
        raise RotationError(f"pending key of {arn} is not {KEY_LENGTH} alphanumeric characters")


def finish_secret(client: Any, arn: str, token: str) -> None:
    """Move AWSCURRENT to the new version (AWSPREVIOUS follows automatically)."""
    stages = client.describe_secret(SecretId=arn)["VersionIdsToStages"]
    current = next((version for version, labels in stages.items() if "AWSCURRENT" in labels), None)
    client.update_secret_version_stage(
        SecretId=arn, VersionStage="AWSCURRENT", MoveToVersionId=token, RemoveFromVersionId=current
    )
    LOG.info("version %s is now AWSCURRENT (was %s)", token, current)


def _pending(client: Any, arn: str, token: str) -> dict[str, Any]:
    raw = client.get_secret_value(SecretId=arn, VersionId=token, VersionStage="AWSPENDING")["SecretString"]
    try:
        value = json.loads(raw)
    except ValueError:
        raise RotationError(f"pending value of {arn} is not JSON") from None
    if not isinstance(value, dict):
        raise RotationError(f"pending value of {arn} is not a JSON object")
    return value
