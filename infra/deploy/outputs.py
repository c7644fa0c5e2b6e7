"""cfn-outputs/: the deployed stack's outputs as a flat name -> string map (checked against its schema), and
target.json, which says what they describe (real AWS, or an emulator still running at an address) so the
integration tests never point an emulator's outputs at real AWS or at an address nobody serves."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

SCHEMA = Path(__file__).resolve().parent.parent / "schemas" / "flat-outputs.schema.json"
OUTPUTS_DIR = Path(__file__).resolve().parents[2] / "cfn-outputs"
FLAT_OUTPUTS = OUTPUTS_DIR / "flat-outputs.json"
TARGET = OUTPUTS_DIR / "target.json"


def write_flat_outputs(outputs: dict[str, str], target: Path, may_be_missing: set[str] | None = None) -> Path:
    """`may_be_missing`: outputs the emulator target dropped with the resources it could not create."""
    schema = json.loads(SCHEMA.read_text())
    schema["required"] = [name for name in schema["required"] if name not in (may_be_missing or set())]
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(outputs), key=lambda e: list(e.path))
    if errors:
        raise ValueError(f"deployed outputs do not match {SCHEMA.name}: {errors[0].message}")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(outputs, indent=2, sort_keys=True))
    return target


def write_target(record: dict, path: Path | None = None) -> Path:
    """{"target": "aws"} or {"target": "emulator", "endpoint", "pid", "dropped_outputs", "stop"}."""
    if record.get("target") not in ("aws", "emulator"):
        raise ValueError(f"target must be 'aws' or 'emulator', not {record.get('target')!r}")
    path = path or OUTPUTS_DIR / TARGET.name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=2, sort_keys=True))
    return path


def read_target(path: Path | None = None) -> dict:
    """The record beside the outputs; outputs without one were written by a deploy to AWS."""
    path = path or OUTPUTS_DIR / TARGET.name
    return json.loads(path.read_text()) if path.is_file() else {"target": "aws"}


def remove_outputs(directory: Path | None = None) -> None:
    for name in (FLAT_OUTPUTS.name, TARGET.name, "cdktf-outputs.json"):
        ((directory or OUTPUTS_DIR) / name).unlink(missing_ok=True)
