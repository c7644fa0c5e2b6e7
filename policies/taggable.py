"""The AWS resource types that take tags, derived from the provider bindings (not written by hand).

Every resource of cdktf-cdktf-provider-aws (generated from the AWS provider's schema) whose configuration takes a
`tags` map of strings is taggable; its module says which Terraform type it is ("Represents a {@link
.../docs/resources/<name> aws_<name>}"). The list is committed in taggable_types.json, so the rules never import
the bindings (22 s and 600 MB); tests/policies/test_tagging.py derives it again from the installed bindings and
holds the two equal. Regenerate after a provider upgrade: `python -m policies.taggable`.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

TYPES_FILE = Path(__file__).resolve().parent / "taggable_types.json"
_RESOURCE = re.compile(
    r"Represents a \{@link https://registry\.terraform\.io/providers/hashicorp/aws/([0-9.]+)/docs/resources/\w+ "
    r"(aws_\w+)\}"
)
_CONFIG = re.compile(
    r"^class \w+Config\(_cdktf_\w+\.TerraformMetaArguments\):\n(?P<body>.*?)\n    \) -> None:", re.M | re.S
)
_TAGS = re.compile(r"^        tags: typing\.Optional\[typing\.Mapping\[builtins\.str, builtins\.str\]\] = None,$", re.M)


def from_bindings(package: Path) -> dict[str, object]:
    """{"provider": version, "types": [...]} read from an installed cdktf_cdktf_provider_aws package."""
    types, versions = set(), set()
    for module in sorted(package.glob("*/__init__.py")):
        text = module.read_text(encoding="utf-8")
        resource = _RESOURCE.search(text)
        config = _CONFIG.search(text)
        if resource and config and _TAGS.search(config.group("body")):
            versions.add(resource.group(1))
            types.add(resource.group(2))
    return {"provider": "hashicorp/aws " + ", ".join(sorted(versions)), "types": sorted(types)}


@cache
def taggable_types() -> frozenset[str]:
    return frozenset(json.loads(TYPES_FILE.read_text())["types"])


def installed_bindings() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("cdktf_cdktf_provider_aws")  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("cdktf-cdktf-provider-aws is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


if __name__ == "__main__":
    derived = from_bindings(installed_bindings())
    TYPES_FILE.write_text(json.dumps(derived, indent=1) + "\n")
    print(f"{len(derived['types'])} taggable types ({derived['provider']}) written to {TYPES_FILE}")
