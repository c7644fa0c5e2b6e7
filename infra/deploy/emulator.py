"""moto server on loopback: started on a free port in its own process, always stopped, and seeded with what the
stack expects to exist already (the MES API key secret it fetches)."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

import boto3

from infra.deploy.terraform import DeployError

EMULATOR_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "emulator", "AWS_SECRET_ACCESS_KEY": "emulator"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def moto_server(log_path: str | None = None) -> Iterator[str]:
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    env = {**os.environ, "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"}
    log = open(log_path or os.devnull, "w")  # noqa: SIM115 - closed in finally
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=2).read()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise DeployError(f"moto server did not start on {endpoint} (see {log_path})") from None
                time.sleep(0.3)
        yield endpoint
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def client(service: str, endpoint: str, region: str):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="emulator",
        aws_secret_access_key="emulator",
    )


def seed(endpoint: str, region: str, mes_secret_name: str) -> str:
    """Create the existing secret the stack fetches; its value is random and never printed."""
    value = json.dumps({"api_key": secrets.token_urlsafe(36)[:48].replace("-", "a").replace("_", "b"), "client": "mes"})
    return client("secretsmanager", endpoint, region).create_secret(Name=mes_secret_name, SecretString=value)["ARN"]
