"""Synthesize N platform stacks (one per plant) in one cdktf app: 10x the resources for the gate benchmark.

python bench/multi_plant_app.py OUTDIR N [--no-guardrails]
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from cdktf import App

from infra.config import load_config
from infra.stack import IotPlatformStack
from infra.synth import synth


def main() -> None:
    outdir, plants = sys.argv[1], int(sys.argv[2])
    Path(outdir).mkdir(parents=True, exist_ok=True)
    app = App(outdir=outdir)
    for plant in range(1, plants + 1):
        IotPlatformStack(app, load_config({}, {}, {"environment_suffix": f"bench-p{plant}"}))
    if "--no-guardrails" not in sys.argv:
        from policies import guard

        guard(app)
    synth(app)


if __name__ == "__main__":
    main()
