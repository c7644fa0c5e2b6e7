"""moto server on loopback: started on a free port in its own process, stopped unless the caller keeps it, and
seeded with what the stack expects to exist already (the MES API key secret it fetches)."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import boto3

from infra.deploy.terraform import DeployError

EMULATOR_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "emulator", "AWS_SECRET_ACCESS_KEY": "emulator"}


@dataclass(frozen=True)
class Emulator:
    endpoint: str
    pid: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serving(endpoint: str, timeout: float = 2.0) -> bool:
    try:
        urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=timeout).read()
        return True
    except OSError:
        return False


@contextmanager
def moto_server(log_path: str | None = None, keep: bool = False) -> Iterator[Emulator]:
    """A fresh moto server; with `keep` it outlives this process (its own session: a Ctrl-C here spares it)."""
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    env = {**os.environ, "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"}
    log = open(log_path or os.devnull, "w")  # noqa: SIM115 - closed in finally
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=keep,
    )
    try:
        deadline = time.monotonic() + 60
        while not serving(endpoint):
            if process.poll() is not None or time.monotonic() > deadline:
                raise DeployError(f"moto server did not start on {endpoint} (see {log_path})")
            time.sleep(0.3)
        yield Emulator(endpoint, process.pid)
    except BaseException:
        keep = False  # a failed start or run never leaves a server behind
        raise
    finally:
        if not keep:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()


def is_our_server(pid: int, endpoint: str) -> bool:
    """The process is a moto server on this endpoint's port (a recorded pid may have been reused since)."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    port = endpoint.rsplit(":", 1)[-1].encode()
    return b"moto.server" in argv and port in argv


def stop(pid: int, endpoint: str) -> bool:
    """Stop a kept emulator; False when no such server runs any more."""
    if not is_our_server(pid, endpoint):
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 15
    while is_our_server(pid, endpoint) and time.monotonic() < deadline:
        time.sleep(0.2)
    if is_our_server(pid, endpoint):
        os.kill(pid, signal.SIGKILL)
    return True


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
