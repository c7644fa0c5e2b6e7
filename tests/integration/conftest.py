"""Integration tests read cfn-outputs/flat-outputs.json of a deployed stack (real AWS or the local emulator)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import boto3
import pytest

OUTPUTS = Path(__file__).resolve().parents[2] / "cfn-outputs" / "flat-outputs.json"
ON_EMULATOR = os.environ.get("PLATFORM_TARGET") == "emulator"


def emulator_gap(reason: str):
    """Mark a check the local emulator cannot prove; it runs against real AWS."""
    return pytest.mark.skipif(ON_EMULATOR, reason=f"emulator gap: {reason}")


@pytest.fixture(scope="session")
def outputs() -> dict[str, str]:
    if not OUTPUTS.is_file():
        pytest.skip(f"{OUTPUTS} is absent: deploy first (tox -e deploy-local, or tox -e deploy on AWS)")
    return json.loads(OUTPUTS.read_text())


@pytest.fixture(scope="session")
def aws(outputs):
    """boto3 clients in the stack's region; AWS_ENDPOINT_URL (set by the local deploy) points them at the emulator."""
    session = boto3.session.Session(region_name=outputs["region"])
    return lambda service: session.client(service)
