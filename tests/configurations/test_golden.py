"""The committed golden synth (tests/configurations/golden/, which the cdktn configuration compares itself with) is
what the default configuration synthesizes now: run in the default env only."""

from __future__ import annotations

import pytest

from policies.framework import installed
from tests.configurations.golden import compare, files, golden

pytestmark = pytest.mark.skipif(installed().name != "cdktf", reason="the golden synth is the default configuration's")


@pytest.mark.parametrize("kind", ["environment", "account-baseline"])
def test_the_golden_synth_is_the_default_configurations(kind, ephemeral, baseline):
    synthesized = ephemeral if kind == "environment" else baseline
    changed = compare(golden(kind), files(synthesized.outdir))
    assert not changed, f"{changed[:5]}: infra/ changed; rewrite it with `python -m tests.configurations.golden`"
