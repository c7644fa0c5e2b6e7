"""Shared fixtures: the platform stack is synthesized once per session per profile (jsii import costs ~25 s)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
os.environ.setdefault("BC_SKIP_MAPPING", "TRUE")
os.environ.setdefault("CKV_SKIP_PACKAGE_UPDATE_CHECK", "TRUE")

PROJECT = Path(__file__).resolve().parent.parent


class Synthesized:
    """A synthesized platform stack: its folder, JSON document and the stack object."""

    def __init__(self, outdir: Path, stack) -> None:
        self.outdir = outdir
        self.stack = stack
        self.path = outdir / "stacks" / stack.node.id / "cdk.tf.json"
        self.text = self.path.read_text()
        self.document = json.loads(self.text)

    def resources(self, rtype: str) -> dict:
        return self.document["resource"].get(rtype, {})

    def one(self, rtype: str, path_part: str) -> dict:
        matches = [c for c in self.resources(rtype).values() if path_part in c["//"]["metadata"]["path"]]
        assert len(matches) == 1, f"{len(matches)} {rtype} under {path_part}"
        return matches[0]


def synthesize(tmp_path_factory, name: str, **overrides) -> Synthesized:
    from infra.app import build_app
    from infra.config import load_config
    from infra.synth import synth

    config = load_config({}, {}, {"environment_suffix": "ci-test", **overrides})
    outdir = tmp_path_factory.mktemp(name)
    app, stack = build_app(config, outdir=str(outdir))
    synth(app)
    return Synthesized(outdir, stack)


@pytest.fixture(scope="session")
def ephemeral(tmp_path_factory) -> Synthesized:
    return synthesize(tmp_path_factory, "ephemeral")


@pytest.fixture(scope="session")
def production(tmp_path_factory) -> Synthesized:
    return synthesize(tmp_path_factory, "production", profile="production")


@pytest.fixture(scope="session")
def baseline(tmp_path_factory) -> Synthesized:
    """The account baseline of the same config as `ephemeral` (suffix ci-test)."""
    from infra.app import build_baseline_app
    from infra.config import load_config
    from infra.synth import synth

    outdir = tmp_path_factory.mktemp("account-baseline")
    app, stack = build_baseline_app(load_config({}, {}, {"environment_suffix": "ci-test"}), outdir=str(outdir))
    synth(app)
    return Synthesized(outdir, stack)
