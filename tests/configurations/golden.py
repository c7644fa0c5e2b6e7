"""The default configuration's synth (cdktf 0.21 + cdktf-cdktf-provider-aws 20.1.0, AWS provider 5.100.0) of both
stacks, committed under golden/ as the other configuration's reference: the cdktn env compares its own synth with
it (the differences are a list its test holds) and runs the gate on both (the verdicts must be equal).

Why a committed golden file, not the default's synth built in a subprocess of the cdktn env: the two frameworks
cannot share one environment (infra takes cdktf whenever it is installed), a second environment inside the cdktn
env would install cdktf on every run, and a golden file under review shows what a change to infra/ does to the
synthesized JSON. The default env (`tox -e py`) holds it equal to its own synth of the same config (suffix
ci-test), so it never goes stale; after a change to infra/, rewrite it in the default env:
`python -m tests.configurations.golden`.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path
from typing import Any

FOLDER = Path(__file__).resolve().parent / "golden"
SUFFIX = "ci-test"
KINDS = ("environment", "account-baseline")
_BACKEND_PATH = re.compile(r'("path": ")[^"]*?([^"/]+\.tfstate")')


def normalized(text: str) -> str:
    """The synthesized file with its local state path reduced to the file's name (the path is relative to the
    output folder, which differs from run to run)."""
    return _BACKEND_PATH.sub(r"\1<state>/\2", text)


def files(outdir: Path) -> dict[str, str]:
    """manifest.json and every stack's cdk.tf.json of a synth folder, as normalized text, by relative path."""
    found = {"manifest.json": (outdir / "manifest.json").read_text()}
    for stack in sorted((outdir / "stacks").glob("*/cdk.tf.json")):
        found[str(stack.relative_to(outdir))] = normalized(stack.read_text())
    return found


def golden(kind: str) -> dict[str, str]:
    return files(FOLDER / kind)


def write(kind: str, outdir: Path) -> None:
    target = FOLDER / kind
    shutil.rmtree(target, ignore_errors=True)
    for relative, text in files(outdir).items():
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        (target / relative).write_text(text)


def differences(before: Any, after: Any, path: str = "") -> list[str]:
    """Every place two JSON documents differ, one line each: `dotted.path: before -> after`."""
    if isinstance(before, dict) and isinstance(after, dict):
        found = []
        for key in sorted(set(before) | set(after)):
            where = f"{path}.{key}" if path else key
            if key not in after:
                found.append(f"{where}: {json.dumps(before[key])} -> (absent)")
            elif key not in before:
                found.append(f"{where}: (absent) -> {json.dumps(after[key])}")
            else:
                found += differences(before[key], after[key], where)
        return found
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        return [
            line
            for i, (a, b) in enumerate(zip(before, after, strict=True))
            for line in differences(a, b, f"{path}/{i}")
        ]
    return [] if before == after else [f"{path}: {json.dumps(before)} -> {json.dumps(after)}"]


def compare(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """The differences between two synths' files: JSON differences by file, then how each writes empty lists."""
    found = [f"{name}: only in one synth" for name in sorted(set(before) ^ set(after))]
    for name in sorted(set(before) & set(after)):
        changed = differences(json.loads(before[name]), json.loads(after[name]))
        found += [f"{name} {line}" for line in changed]
        (spread, flat), (spread_after, flat_after) = _empty_lists(before[name]), _empty_lists(after[name])
        if (spread, flat) != (spread_after, flat_after):
            found.append(f"{name}: empty lists written as [] ({flat_after} of {spread_after + flat_after}, was {flat})")
        elif not changed and before[name] != after[name]:
            found.append(f"{name}: same JSON, other whitespace")
    return found


def _empty_lists(text: str) -> tuple[int, int]:
    """(empty lists written over two lines, written as [])."""
    return len(re.findall(r"\[\n\s*\]", text)), text.count("[]")


def synthesize(outdir: Path, kind: str) -> Path:
    """Both stacks of the golden config, synthesized with Guardrails by the installed framework."""
    from infra.app import build_app, build_baseline_app
    from infra.config import load_config
    from infra.synth import synth

    build = build_app if kind == "environment" else build_baseline_app
    app, _ = build(load_config({}, {}, {"environment_suffix": SUFFIX}), outdir=str(outdir))
    synth(app)
    return outdir


if __name__ == "__main__":
    import tempfile

    from policies.framework import installed

    if installed().name != "cdktf":
        sys.exit("the golden synth is the default configuration's: run this with cdktf installed (tox -e py's env)")
    with tempfile.TemporaryDirectory() as scratch:
        for kind in KINDS:
            write(kind, synthesize(Path(scratch) / kind, kind))
            print(f"wrote {FOLDER / kind}")
