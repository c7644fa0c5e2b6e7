"""Synthesize N platform stacks (one per plant) in one cdktf app: N times the resources for the gate benchmark.

python bench/multi_plant_app.py OUTDIR N [--no-guardrails] [--gate REPORTS]

With --gate, the compliance gate judges every stack of OUTDIR afterwards in the same process, as
`python -m compliance check --synth` does for the platform (stacks in parallel processes).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from cdktf import App

from infra.config import load_config
from infra.stacks.environment import IotPlatformStack
from infra.synth import synth


def main() -> int:
    outdir, plants = sys.argv[1], int(sys.argv[2])
    Path(outdir).mkdir(parents=True, exist_ok=True)
    app = App(outdir=outdir)
    for plant in range(1, plants + 1):
        IotPlatformStack(app, load_config({}, {}, {"environment_suffix": f"bench-p{plant}"}))
    if "--no-guardrails" not in sys.argv:
        from policies import guard

        guard(app)
    synth(app)
    if "--gate" in sys.argv:
        from compliance.__main__ import main as gate

        return gate(["check", outdir, "--out", sys.argv[sys.argv.index("--gate") + 1]])
    return 0


if __name__ == "__main__":
    sys.exit(main())
