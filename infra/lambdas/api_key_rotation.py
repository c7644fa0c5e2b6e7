"""Secrets Manager rotation Lambda for the MES API key: the four rotation steps, idempotent.

The contract the MES must offer (README, "MES API key rotation"):
- it reads its accepted keys from this secret and accepts both AWSCURRENT and AWSPENDING while both exist, so
  setSecret pushes nothing;
- `POST <verify_url>` over HTTPS with `Authorization: Bearer <key>` answers 2xx when it accepts the key and
  401/403 when it does not. The URL is the secret's `verify_url` field, else the function's MES_VERIFY_URL; the
  server certificate is verified against public CAs, or against the secret's `verify_ca_pem` (a plant's own CA).
testSecret calls it with the pending key and, as a control, with a key the MES cannot know: a MES that accepts
anything is refused, so a rotation never promotes a key the MES has not proven it accepts.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import ssl
import string
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

import boto3

LOG = logging.getLogger()
LOG.setLevel(logging.INFO)
KEY_LENGTH = 48
KEY_ALPHABET = set(string.ascii_letters + string.digits)
STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")
VERIFY_TIMEOUT_S = 10


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


def test_secret(client: Any, arn: str, token: str, verify: Callable[[str, str], int] | None = None) -> None:
    """The pending key is well formed, the MES accepts it, and the MES refuses a key it cannot know."""
    value = _pending(client, arn, token)
    key = value.get("api_key", "")
    if len(key) != KEY_LENGTH or not set(key) <= KEY_ALPHABET:
        raise RotationError(f"pending key of {arn} is not {KEY_LENGTH} alphanumeric characters")
    url = verify_url(value)
    ca_pem = value.get("verify_ca_pem") or None

    def call(target: str, candidate: str) -> int:
        return verify(target, candidate) if verify else post_verify(target, candidate, ca_pem)

    status = call(url, key)
    if not 200 <= status < 300:
        raise RotationError(f"the MES at {url} refused the pending key of {arn} (HTTP {status}); not promoting it")
    control = call(url, secrets.token_hex(KEY_LENGTH // 2))
    if control not in (401, 403):
        raise RotationError(
            f"the MES at {url} answered HTTP {control} to a random key (expected 401 or 403): its verify endpoint "
            "proves nothing, so the pending key is not promoted"
        )
    LOG.info("the MES accepted pending version %s", token)


def verify_url(value: dict[str, Any]) -> str:
    """The MES verify endpoint: the secret's `verify_url`, else MES_VERIFY_URL; HTTPS only."""
    url = value.get("verify_url") or os.environ.get("MES_VERIFY_URL") or ""
    if not url:
        raise RotationError(
            "no MES verify endpoint: add `verify_url` to the secret's JSON or set mesVerifyUrl in the platform "
            "config; without it the new key cannot be proven and rotation stops before finishSecret"
        )
    parsed = urlparse(url)
    if parsed.scheme != "https" or not parsed.hostname:
        raise RotationError(f"MES verify endpoint {url!r} must be an https:// URL")
    return url


def post_verify(url: str, key: str, ca_pem: str | None = None) -> int:
    """POST to the MES verify endpoint with the key as a bearer token; the HTTP status (certificate verified)."""
    request = urllib.request.Request(url, data=b"{}", method="POST")
    request.add_header("Authorization", f"Bearer {key}")
    request.add_header("Content-Type", "application/json")
    try:
        context = ssl.create_default_context(cadata=ca_pem) if ca_pem else ssl.create_default_context()
        with urllib.request.urlopen(request, timeout=VERIFY_TIMEOUT_S, context=context) as r:
            return int(r.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise RotationError(f"the MES verify endpoint {url} is unreachable: {error}") from None


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
