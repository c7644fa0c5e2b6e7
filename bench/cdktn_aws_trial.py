"""The split CDK Terrain bindings (`cdktn-aws` 0.3: one jsii assembly, a submodule per service, classes renamed and
marked experimental) tried on the platform: `infra.aws`'s names resolved to cdktn-aws classes (the resource's class
by its Terraform type, each struct as the class's nested `<Name>Property`), both stacks synthesized with Guardrails,
and the result compared with the cdktn-provider-aws synth the cdktn configuration makes.

python bench/cdktn_aws_trial.py OUT [--compare DIR] [--environment-only]
(with the interpreter of an env holding cdktn + cdktn-aws)

It prints the synth's wall time and whether it equals DIR's synth apart from the provider version string (the
decision: adopt cdktn-aws for the cdktn configuration only then). bench/configurations.py times it beside the two
supported configurations; the first run scans the package for its classes and caches the table (class_table).
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import re
import sys
import tempfile
import time
import types
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

_CLASS = re.compile(
    r"^class (\w+)\(\n\s+_cdktn_\w+\.Terraform(?:Resource|DataSource|Provider)[^)]*\):\n\s+'''\(experimental\) "
    r"Represents a \{@link https://registry\.terraform\.io/providers/hashicorp/aws/[0-9.]+/docs"
    r"(?:/(resources|data-sources)/\w+)? (aws\w*)\}",
    re.M,
)


def split_classes(package: Path) -> dict[tuple[str, str], tuple[str, str]]:
    """(Terraform type, "resource" | "data") -> (cdktn_aws submodule, class name), read from the package's text."""
    found = {}
    for init in sorted(package.glob("*/__init__.py")):
        for match in _CLASS.finditer(init.read_text(encoding="utf-8")):
            mode = "data" if match.group(2) == "data-sources" else "resource"
            found[(match.group(3), mode)] = (init.parent.name, match.group(1))
    return found


def class_table(package: Path) -> dict[tuple[str, str], tuple[str, str]]:
    """split_classes, cached in the temporary folder per cdktn-aws version: scanning the package's text takes ~10 s,
    a cost of this trial (an adoption would name its classes in infra/aws.py, as the other bindings' are), so whole-
    process timings after the first run leave it out."""
    from importlib.metadata import version

    cache = Path(tempfile.gettempdir()) / f"cdktn-aws-{version('cdktn-aws')}-classes.json"
    if cache.is_file():
        return {(t, m): (s, c) for t, m, s, c in json.loads(cache.read_text())}
    found = split_classes(package)
    cache.write_text(json.dumps([[*key, *value] for key, value in sorted(found.items())]))
    return found


def _struct(resource: type, path: str) -> type:
    """The nested `<Name>Property` class for a cdktf struct's name below its resource: cdktn-aws shortens the name
    where it is unique (`ConfigurationResultConfiguration` is `ResultConfigurationProperty`), so the longest
    ending of the name that is a nested class wins."""
    words = re.findall(r"[A-Z][a-z0-9]*", path)
    for start in range(len(words)):
        found = getattr(resource, "".join(words[start:]) + "Property", None)
        if found is not None:
            return found
    raise AttributeError(f"{resource.__name__} has no struct for {path}")


def shim() -> types.ModuleType:
    """A stand-in for infra.aws whose names are cdktn-aws classes (raises on a name it cannot place)."""
    from infra import aws

    package = Path(next(iter(importlib.util.find_spec("cdktn_aws").submodule_search_locations)))
    classes = class_table(package)
    module = types.ModuleType("infra.aws", "infra.aws resolved to the split cdktn-aws bindings")
    for binding, names in aws.MODULES.items():
        if binding == "provider":
            key = ("aws", "resource")
        elif binding.startswith("data_aws_"):
            key = ("aws_" + binding.removeprefix("data_aws_"), "data")
        else:
            key = ("aws_" + binding, "resource")
        submodule, class_name = classes[key]
        resource = getattr(importlib.import_module(f"cdktn_aws.{submodule}"), class_name)
        base = names[0].removesuffix("A") if names[0].endswith("A") else names[0]
        for name in names:
            stem = name.removesuffix("A") if names[0].endswith("A") else name
            setattr(module, name, resource if name == names[0] else _struct(resource, stem[len(base) :]))
    module.MODULES = aws.MODULES
    return module


def main(argv: list[str]) -> int:
    import os

    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    out = Path(argv[0])
    compare = Path(argv[argv.index("--compare") + 1]) if "--compare" in argv else None
    started = time.perf_counter()
    sys.modules["infra.aws"] = shim()
    import infra

    infra.aws = sys.modules["infra.aws"]
    from tests.configurations.golden import KINDS, SUFFIX, files, synthesize
    from tests.configurations.golden import compare as differ

    kinds = KINDS[:1] if "--environment-only" in argv else KINDS
    out.mkdir(parents=True, exist_ok=True)  # cdktn's App makes its outdir, not the folders above it
    for kind in kinds:
        synthesize(out / kind, kind)
    print(f"synthesized {', '.join(kinds)} with cdktn-aws in {time.perf_counter() - started:.1f}s")
    if compare is not None:
        for kind in kinds:
            changed = differ(files(compare / kind), files(out / kind))
            print(f"{kind} ({SUFFIX}): {len(changed)} difference(s) from {compare / kind}")
            for line in changed[:40]:
                print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
