"""Integration tests read cfn-outputs/flat-outputs.json of a deployed stack, and cfn-outputs/target.json for what it
describes: real AWS, or a local emulator still running at an address (never the one mistaken for the other).

Without outputs they skip, except where PLATFORM_REQUIRE_DEPLOYMENT=1 (`tox -e integration`, the local deploy):
there a missing deployment fails. Outputs that name an emulator nobody serves any more fail everywhere.
"""

from __future__ import annotations

import json
import os
import urllib.request
from pathlib import Path

import boto3
import pytest

from infra.deploy.outputs import FLAT_OUTPUTS, read_target

OUTPUTS = FLAT_OUTPUTS
TARGET = read_target()
ON_EMULATOR = TARGET["target"] == "emulator"
REQUIRED = os.environ.get("PLATFORM_REQUIRE_DEPLOYMENT") == "1"


def clients(target: dict, region: str):
    """A boto3 client factory for the deployment: the emulator's endpoint and dummy credentials, or the caller's
    own AWS credentials for a real deployment."""
    if target["target"] == "emulator":
        session = boto3.session.Session(
            region_name=region, aws_access_key_id="emulator", aws_secret_access_key="emulator"
        )
        return lambda service: session.client(service, endpoint_url=target["endpoint"])
    session = boto3.session.Session(region_name=region)
    return lambda service: session.client(service)


def pytest_collection_modifyitems(session, config, items) -> None:
    """Where a deployment is required (`tox -e integration`), no outputs stop the run in one line."""
    if REQUIRED and not OUTPUTS.is_file():
        pytest.exit(f"{OUTPUTS} is absent: deploy first (tox -e deploy-local, or tox -e deploy on AWS)", returncode=2)


def load_outputs() -> dict[str, str]:
    if not OUTPUTS.is_file():
        message = f"{OUTPUTS} is absent: deploy first (tox -e deploy-local, or tox -e deploy on AWS)"
        if REQUIRED:
            pytest.fail(message)
        pytest.skip(message)
    if ON_EMULATOR:
        try:
            urllib.request.urlopen(f"{TARGET['endpoint']}/moto-api/", timeout=3).read()
        except OSError:
            pytest.fail(
                f"{OUTPUTS} describes an emulator deployment at {TARGET['endpoint']} that is no longer running: "
                f"run `tox -e deploy-local` again, or remove the stale outputs with `{TARGET.get('stop')}`"
            )
    return json.loads(OUTPUTS.read_text())


@pytest.fixture(scope="session")
def outputs() -> dict[str, str]:
    return load_outputs()


@pytest.fixture(scope="session")
def aws(outputs):
    """boto3 clients in the stack's region, at the deployment target.json names."""
    return clients(TARGET, outputs["region"])


@pytest.fixture(scope="session")
def project() -> Path:
    return Path(__file__).resolve().parents[2]
