"""cfn-outputs/flat-outputs.json: terraform outputs as a flat name -> string map, checked against its schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

SCHEMA = Path(__file__).resolve().parent.parent / "schemas" / "flat-outputs.schema.json"


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
