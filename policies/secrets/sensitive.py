"""Where AWS provider 5.100 carries secrets and free-form maps, taken from the provider's own schema.

`terraform providers schema -json` marks every attribute the provider treats as a secret `sensitive: true`; that
flag, not a list we write, says which attributes hold passwords, keys and tokens (aws_db_instance.password,
aws_glue_connection.connection_properties, aws_ssm_parameter.value, ...), which computed attributes hand one back
(aws_iam_access_key.secret), and which attributes are maps whose keys the user chooses (Lambda
environment.variables, Glue default_arguments). provider_sensitive.json beside this file is generated from the
schema of the provider the stack pins; tests/policies/test_secret_sources.py regenerates it from the offline mirror
(TF_PROVIDER_MIRROR) and holds it equal, and checks every attribute against the cdktf bindings.

Regenerate: `python -m policies.secrets.sensitive <schema.json>` (the JSON of `terraform providers schema -json`
in a folder whose configuration requires hashicorp/aws at the pinned version).
"""

from __future__ import annotations

import json
import sys
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).with_name("provider_sensitive.json")
PROVIDER = "registry.terraform.io/hashicorp/aws"
UNTYPED_MAPS = ("tags", "tags_all")  # every resource has them; rules read them directly


def generate(schema: dict[str, Any], version: str) -> dict[str, Any]:
    """{"provider", "resource": {type: {"input": [...], "computed": [...], "maps": [...]}}, "data": {...}}."""
    provider = schema["provider_schemas"][PROVIDER]
    out: dict[str, Any] = {"provider": f"hashicorp/aws {version}"}
    for section, key in (("resource_schemas", "resource"), ("data_source_schemas", "data")):
        found: dict[str, Any] = {}
        for rtype, entry in sorted(provider[section].items()):
            places: dict[str, list[str]] = {"input": [], "computed": [], "maps": []}
            _walk(entry["block"], (), places)
            kept = {k: sorted(v) for k, v in places.items() if v}
            if kept:
                found[rtype] = kept
        out[key] = found
    return out


def _walk(block: dict[str, Any], path: tuple[str, ...], places: dict[str, list[str]]) -> None:
    for name, attribute in (block.get("attributes") or {}).items():
        where = ".".join((*path, name))
        settable = bool(attribute.get("optional") or attribute.get("required"))
        if attribute.get("sensitive"):
            places["input" if settable else "computed"].append(where)
        kind = attribute.get("type")
        if settable and isinstance(kind, list) and kind[0] == "map" and name not in UNTYPED_MAPS:
            places["maps"].append(where)
    for name, nested in (block.get("block_types") or {}).items():
        _walk(nested["block"], (*path, name), places)


@cache
def places() -> dict[str, Any]:
    return json.loads(DATA.read_text())


def sensitive_inputs(rtype: str, mode: str = "resource") -> frozenset[str]:
    return frozenset(places()[mode].get(rtype, {}).get("input", ()))


def sensitive_computed(rtype: str, mode: str = "resource") -> frozenset[str]:
    return frozenset(places()[mode].get(rtype, {}).get("computed", ()))


def free_maps(rtype: str, mode: str = "resource") -> frozenset[str]:
    return frozenset(places()[mode].get(rtype, {}).get("maps", ()))


if __name__ == "__main__":  # pragma: no cover - a maintenance command, exercised by the regeneration test
    if len(sys.argv) != 3:
        sys.exit("usage: python -m policies.secrets.sensitive <schema.json> <provider version>")
    generated = generate(json.loads(Path(sys.argv[1]).read_text()), sys.argv[2])
    DATA.write_text(json.dumps(generated, indent=1, sort_keys=True) + "\n")
    print(f"wrote {DATA}")
