"""The second configuration, CDK Terrain (cdktn 0.24) + cdktn-provider-aws 25.8.1 (AWS provider 6.69.1), chosen by
installing requirements/cdktn.txt and nothing in the code (`tox -e cdktn` runs this; elsewhere it skips): both
stacks synthesized by `python -m infra` with Guardrails, their JSON against the default configuration's golden synth
(the differences are the list below), the gate on both (the same verdicts), and the reports naming what made them.

`terraform validate` and the local deploy of this configuration need hashicorp/aws 6.x from a registry or a 6.x
provider mirror, which this machine lacks (TF_PROVIDER_MIRROR holds 5.100.0 only): here it synthesizes and judges.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from policies.framework import installed
from tests.configurations.golden import FOLDER, KINDS, SUFFIX, compare, files, golden
from tests.conftest import PROJECT

pytestmark = pytest.mark.skipif(installed().name != "cdktn", reason="the cdktn configuration's test: tox -e cdktn")

ENVIRONMENT, BASELINE = "iot-platform-ci-test", "iot-account-baseline-eu-central-1"
PROFILES = {"environment": "ephemeral", "account-baseline": "production"}
# Everything that differs between the default configuration's synth and this one's: the framework's version string,
# the provider it requires (cdktf-cdktf-provider-aws writes the short source "aws"; cdktn-provider-aws the full
# "hashicorp/aws"), and empty lists written on one line (the manifests', the baseline's). Construct paths, "//"
# metadata, resources, assets and their hashes are the same.
DIFFERENCES = {
    "environment": [
        'manifest.json version: "0.21.0" -> "0.24.0"',
        "manifest.json: empty lists written as [] (2 of 2, was 0)",
        f'stacks/{ENVIRONMENT}/cdk.tf.json //.metadata.version: "0.21.0" -> "0.24.0"',
        f'stacks/{ENVIRONMENT}/cdk.tf.json terraform.required_providers.aws.source: "aws" -> "hashicorp/aws"',
        f'stacks/{ENVIRONMENT}/cdk.tf.json terraform.required_providers.aws.version: "5.100.0" -> "6.69.1"',
    ],
    "account-baseline": [
        'manifest.json version: "0.21.0" -> "0.24.0"',
        "manifest.json: empty lists written as [] (2 of 2, was 0)",
        f'stacks/{BASELINE}/cdk.tf.json //.metadata.version: "0.21.0" -> "0.24.0"',
        f'stacks/{BASELINE}/cdk.tf.json terraform.required_providers.aws.source: "aws" -> "hashicorp/aws"',
        f'stacks/{BASELINE}/cdk.tf.json terraform.required_providers.aws.version: "5.100.0" -> "6.69.1"',
        f"stacks/{BASELINE}/cdk.tf.json: empty lists written as [] (3 of 3, was 0)",
    ],
}


@pytest.fixture(scope="module")
def synths(tmp_path_factory) -> dict[str, Path]:
    """`python -m infra` for each stack, as a user of this configuration runs it (Guardrails on)."""
    found = {}
    for kind in KINDS:
        outdir = tmp_path_factory.mktemp(kind)
        stack = ["--stack", kind] if kind != "environment" else []
        run = subprocess.run(
            [sys.executable, "-m", "infra", "--environment-suffix", SUFFIX, "--outdir", str(outdir), *stack],
            cwd=PROJECT,
            env={**os.environ, "PYTHONPATH": str(PROJECT)},
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert run.returncode == 0, run.stderr[-3000:]
        assert "synthesized" in run.stderr
        found[kind] = outdir
    return found


@pytest.mark.parametrize("kind", KINDS)
def test_the_json_differs_from_the_default_configurations_only_in_the_listed_places(synths, kind):
    assert compare(golden(kind), files(synths[kind])) == DIFFERENCES[kind]


def _verdicts(result: dict) -> Counter:
    return Counter((f["rule_id"], f["resource"], f["construct_path"], f["status"]) for f in result["findings"])


@pytest.mark.parametrize("kind", KINDS)
def test_the_gate_gives_both_configurations_the_same_verdicts(synths, kind):
    """The gate judges each synth with the tables of the provider it pins (5.100 for the golden, 6.69.1 here)."""
    from compliance.findings import with_summary
    from compliance.gate import scan
    from compliance.reports.markdown import render_markdown

    ours = with_summary(scan(synths[kind], PROFILES[kind], workers=0))
    default = with_summary(scan(FOLDER / kind, PROFILES[kind], workers=0))
    assert _verdicts(ours) == _verdicts(default)
    assert ours["summary"]["verdict"] == default["summary"]["verdict"] == "passed"
    assert ours["summary"]["by_status"] == default["summary"]["by_status"]
    assert [s["judged_as"] for s in ours["stacks"]] == ["hashicorp/aws 6.69.1"]
    assert [s["judged_as"] for s in default["stacks"]] == ["hashicorp/aws 5.100.0"]
    assert not [n for s in ours["stacks"] for n in s["notes"] if "does not accept" in n]
    tools = ours["summary"]["tool_versions"]
    assert tools["cdktn"] == "0.24.0" and tools["cdktn-provider-aws"] == "25.8.1" and "cdktf" not in tools
    assert tools["stacks: hashicorp/aws"] == "6.69.1" and tools["stacks: framework version"] == "0.24.0"
    assert "cdktn 0.24.0, cdktn-provider-aws 25.8.1" in render_markdown(ours)
