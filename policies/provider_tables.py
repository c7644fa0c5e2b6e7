"""What the AWS provider a stack pins accepts: one table per provider major, generated from the provider bindings
(never written by hand), chosen by the stack's own `terraform.required_providers.aws.version`.

A table says which resource types take `tags` (TAG-REQ-001 judges those) and which arguments every resource type and
data source accepts (a fixture form exists in a major when every argument it writes is there; the gate notes an
argument the pinned provider does not have, which `terraform validate` would refuse). The bindings are generated
from the provider's schema: cdktf-cdktf-provider-aws 20.1.0 wraps AWS provider 5.100.0 (the default configuration),
cdktn-provider-aws 25.8.1 wraps 6.69.1 (the cdktn configuration). Each table is committed (provider_tables/aws-<major>
.json), so the rules never import the bindings; each configuration's tests derive its own major's table again from
its installed bindings and hold the two equal. Regenerate after a provider upgrade, in the configuration whose
bindings changed: `python -m policies.provider_tables`.

The gate may judge JSON it did not synthesize: the pinned version decides, not what is installed. A stack that pins
no version is judged with the default configuration's table (5); a major without a table, with the nearest one.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

FOLDER = Path(__file__).resolve().parent / "provider_tables"
MAJORS = (5, 6)
DEFAULT_MAJOR = 5  # cdktf 0.21 + cdktf-cdktf-provider-aws 20.1.0 (AWS provider 5.100.0)
# Terraform's meta-arguments: every binding's Config takes them, no provider schema has them
META = frozenset({"connection", "count", "depends_on", "for_each", "lifecycle", "provider", "provisioners"})
_LINK = re.compile(
    r"Represents a \{@link https://registry\.terraform\.io/providers/hashicorp/aws/([0-9.]+)/docs/"
    r"(resources|data-sources)/\w+ (aws_\w+)\}"
)
_CONFIG = re.compile(
    r"^class \w+Config\(\s*_cdkt\w+\.TerraformMetaArguments,?\s*\):\n(?P<body>.*?)\n    \) -> None:", re.M | re.S
)
_ARGUMENT = re.compile(r"^        (\w+): ", re.M)
_TAGS = "        tags: typing.Optional[typing.Mapping[builtins.str, builtins.str]] = None,"


def from_bindings(package: Path) -> dict[str, Any]:
    """{"provider", "taggable": [...], "resource": {type: [argument, ...]}, "data": {...}} read from an installed
    provider bindings package (cdktf_cdktf_provider_aws or cdktn_provider_aws), without importing it."""
    versions: set[str] = set()
    taggable: set[str] = set()
    found: dict[str, dict[str, list[str]]] = {"resource": {}, "data": {}}
    for module in sorted(package.glob("*/__init__.py")):
        text = module.read_text(encoding="utf-8")
        link, config = _LINK.search(text), _CONFIG.search(text)
        if not link or not config:
            continue
        versions.add(link.group(1))
        mode = "resource" if link.group(2) == "resources" else "data"
        body = config.group("body")
        found[mode][link.group(3)] = sorted({a.rstrip("_") for a in _ARGUMENT.findall(body)} - META)
        if mode == "resource" and _TAGS in body.splitlines():
            taggable.add(link.group(3))
    return {
        "provider": "hashicorp/aws " + ", ".join(sorted(versions)),
        "taggable": sorted(taggable),
        "resource": dict(sorted(found["resource"].items())),
        "data": dict(sorted(found["data"].items())),
    }


def major_of(version: Any) -> int:
    """The table's major for a version constraint ("5.100.0", "~> 6.0", ">= 6.2, < 7"): its first number."""
    match = re.search(r"\d+", version) if isinstance(version, str) else None
    if not match:
        return DEFAULT_MAJOR
    wanted = int(match.group())
    return min(MAJORS, key=lambda m: (abs(m - wanted), -m))


def pinned(document: dict[str, Any]) -> str:
    """The AWS provider version the stack requires ("" when it pins none)."""
    terraform = document.get("terraform") if isinstance(document, dict) else None
    required = (terraform or {}).get("required_providers") if isinstance(terraform, dict) else None
    aws = (required or {}).get("aws") if isinstance(required, dict) else None
    version = aws.get("version") if isinstance(aws, dict) else None
    return version if isinstance(version, str) else ""


@dataclass(frozen=True)
class Tables:
    """One provider major's table, as the rules and the gate read it."""

    major: int
    provider: str  # "hashicorp/aws 5.100.0": the version the bindings it was generated from wrap
    taggable: frozenset[str]
    resource: dict[str, frozenset[str]]
    data: dict[str, frozenset[str]]

    def arguments(self, rtype: str, mode: str = "resource") -> frozenset[str] | None:
        """The arguments this provider accepts on the type (None: a type it does not have)."""
        return (self.resource if mode == "resource" else self.data).get(rtype)

    def unknown(self, rtype: str, config: dict[str, Any], mode: str = "resource") -> list[str]:
        """The arguments of a resource's configuration this provider does not accept ([] for types it lacks)."""
        accepted = self.arguments(rtype, mode)
        if accepted is None:
            return []
        return sorted(k for k in config if k not in accepted and k not in META and k != "//" and k != "dynamic")


@cache
def tables(major: int) -> Tables:
    raw = json.loads((FOLDER / f"aws-{major}.json").read_text())
    return Tables(
        major=major,
        provider=raw["provider"],
        taggable=frozenset(raw["taggable"]),
        resource={k: frozenset(v) for k, v in raw["resource"].items()},
        data={k: frozenset(v) for k, v in raw["data"].items()},
    )


def for_document(document: dict[str, Any]) -> Tables:
    """The table of the provider major the stack pins."""
    return tables(major_of(pinned(document)))


def refused(document: dict[str, Any]) -> str:
    """A note naming the arguments the pinned provider does not accept ("" when none): what `terraform validate`
    would refuse, which a 6.x stack cannot be validated for offline here (no 6.x provider mirror)."""
    table = for_document(document)
    found = [
        f"{'data.' if mode == 'data' else ''}{rtype}.{name}: {', '.join(unknown)}"
        for mode in ("resource", "data")
        for rtype, items in (document.get(mode) or {}).items()
        if isinstance(items, dict)
        for name, config in items.items()
        if isinstance(config, dict)
        for unknown in [table.unknown(rtype, config, mode)]
        if unknown
    ]
    if not found:
        return ""
    pin = pinned(document) or "no version pinned"
    return f"arguments hashicorp/aws {table.major}.x ({pin}) does not accept, which terraform would refuse: " + (
        "; ".join(found[:10]) + (f" and {len(found) - 10} more" if len(found) > 10 else "")
    )


def every_taggable_type() -> frozenset[str]:
    """Taggable in any major: the types TAG-REQ-001 declares (it judges each in its stack's own major)."""
    return frozenset().union(*(tables(m).taggable for m in MAJORS))


def installed_bindings() -> Path:
    """The folder of the installed framework's AWS bindings, found without importing them."""
    import importlib.util

    from policies.framework import installed

    spec = importlib.util.find_spec(installed().bindings)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"{installed().bindings} is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


if __name__ == "__main__":
    derived = from_bindings(installed_bindings())
    major = major_of(derived["provider"].split()[-1])
    target = FOLDER / f"aws-{major}.json"
    target.write_text(json.dumps(derived, indent=0, separators=(",", ":")) + "\n")
    counts = f"{len(derived['taggable'])} taggable types, {len(derived['resource'])} resource types"
    print(f"{counts} ({derived['provider']}) written to {target}")
