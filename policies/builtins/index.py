"""Which built-in checks Checkov ships, and loading only those a stack needs: the index (index.json) and the lazy
loader behind the `lazy-checks` speed-up.

index.json lists every built-in Terraform check of the installed Checkov (module, kind, types, name, categories);
`python -m policies.builtins.index` writes it, and tests/policies/test_builtins.py holds it equal to Checkov's full
registry. With another Checkov version than the index's, with the speed-up off, or when something in the process
imported Checkov's Terraform package first, every check is loaded, as Checkov loads them.
"""

from __future__ import annotations

import fnmatch
import importlib
import importlib.util
import json
import os
import sys
import threading
import types
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

from policies.builtins.speedups import LAZY_CHECKS

INDEX = Path(__file__).resolve().parent / "index.json"
PYTHON_KINDS = ("resource", "data", "provider", "module")  # the block types Checkov's Terraform runners scan
PACKAGES = {kind: f"checkov.terraform.checks.{kind}" for kind in PYTHON_KINDS}
PREFIX = "checkov.terraform.checks."


@dataclass(frozen=True)
class Builtin:
    """One built-in Checkov check, as the catalog and the reports describe it."""

    id: str
    name: str
    categories: tuple[str, ...]  # Checkov's categories, upper case (a few YAML checks spell them otherwise)
    kind: str  # resource | data | provider | module | graph
    types: tuple[str, ...]  # the Terraform types (or provider names) a Python check inspects; graph checks: ()

    @property
    def aws(self) -> bool:
        return self.id.startswith(("CKV_AWS_", "CKV2_AWS_"))


def offline() -> None:
    """Offline, as the README says: no Bridgecrew mapping download, no version check."""
    os.environ.setdefault("BC_SKIP_MAPPING", "TRUE")
    os.environ.setdefault("CKV_SKIP_PACKAGE_UPDATE_CHECK", "TRUE")


LOCK = threading.RLock()
_LOADED: set[str] = set()  # check modules imported in lazy mode
_MODE: dict[str, bool] = {}


@cache
def _index() -> dict[str, Any] | None:
    """The committed index of Checkov's Terraform checks, or None when it is not the installed Checkov's."""
    try:
        index = json.loads(INDEX.read_text())
    except (OSError, ValueError):
        return None
    return index if index.get("checkov") == version("checkov") else None


def _enter_without_init(name: str) -> None:
    """Put package `name` in sys.modules as a namespace over its folder, without running its __init__.py."""
    parent, _, leaf = name.rpartition(".")
    spec = importlib.util.find_spec(name)
    package = types.ModuleType(name)
    package.__path__ = list(spec.submodule_search_locations or []) if spec else []
    package.__package__ = name
    package.__file__ = spec.origin if spec else None
    sys.modules[name] = package
    setattr(importlib.import_module(parent), leaf, package)


def lazy() -> bool:
    """Check modules load per block type (True), or every check loads as Checkov loads them (False)."""
    with LOCK:
        if "lazy" not in _MODE:
            loaded = sys.modules.get("checkov.terraform")
            usable = loaded is None or getattr(loaded, "_by_block_type", False)
            _MODE["lazy"] = LAZY_CHECKS.on and _index() is not None and usable
            if _MODE["lazy"] and loaded is None:
                _enter_without_init("checkov.terraform")
                sys.modules["checkov.terraform"]._by_block_type = True  # type: ignore[attr-defined]
                for package in PACKAGES.values():
                    _enter_without_init(package)
                # What checkov/terraform/__init__.py exports besides its checks (TFModule, TFDefinitionKey, ...)
                modules = importlib.import_module("checkov.terraform.modules")
                for key in (k for k in dir(modules) if not k.startswith("_")):
                    setattr(sys.modules["checkov.terraform"], key, getattr(modules, key))
        return _MODE["lazy"]


def load_for(document: dict[str, Any]) -> None:
    """Import the check modules for the block types of this document (lazy mode), in the index's order."""
    if not lazy():
        return
    present = {
        (kind, t)
        for kind, found in (
            ("resource", document.get("resource") or {}),
            ("data", document.get("data") or {}),
            ("provider", document.get("provider") or {}),
            ("module", {"module": 1} if document.get("module") else {}),
        )
        for t in found
    }
    with LOCK:
        exact, patterns = _entities()
        wanted = {m for key in present - _SEEN for m in exact.get(key, ())}
        wanted |= {
            m
            for (kind, pattern), ms in patterns.items()
            for k, t in present
            if k == kind and fnmatch.fnmatchcase(t, pattern)
            for m in ms
        }
        _SEEN.update(present)
        for module in (m for m in _index()["modules"] if m in wanted and m not in _LOADED):  # the index's order
            importlib.import_module(PREFIX + module)
            _LOADED.add(module)


_SEEN: set[tuple[str, str]] = set()  # (kind, type) whose exact-type modules are loaded


@cache
def _entities() -> tuple[dict[tuple[str, str], list[str]], dict[tuple[str, str], list[str]]]:
    """(kind, type) -> modules for exact types; (kind, pattern) -> modules for wildcard ones (aws_*, *)."""
    exact: dict[tuple[str, str], list[str]] = {}
    patterns: dict[tuple[str, str], list[str]] = {}
    for module, entities in _index()["modules"].items():
        kind = module.split(".")[0]
        for entity in entities:
            target = patterns if any(c in entity for c in "*?[") else exact
            target.setdefault((kind, entity), []).append(module)
    return exact, patterns


def build_index() -> dict[str, Any]:
    """Every built-in Terraform check of the installed Checkov, from its full registries, in registration order:
    module (after checkov.terraform.checks.) -> its entity types, check -> [module, name, categories], graph
    check -> [name, categories]. Run in a fresh process: `python -m policies.builtins.index`."""
    offline()
    import checkov.terraform  # noqa: F401
    from checkov.common.checks.base_check_registry import BaseCheckRegistry
    from checkov.terraform.checks.data.registry import data_registry
    from checkov.terraform.checks.module.registry import module_registry
    from checkov.terraform.checks.provider.registry import provider_registry
    from checkov.terraform.checks.resource.registry import resource_registry

    order = {id(c): i for i, c in enumerate(BaseCheckRegistry.get_all_registered_checks())}
    found: dict[int, Any] = {}
    for registry in (resource_registry, data_registry, provider_registry, module_registry):
        for group in (registry.checks, registry.wildcard_checks):
            for checks in group.values():
                found.update({id(c): c for c in checks})
    modules: dict[str, list[str]] = {}
    checks: dict[str, list[Any]] = {}
    for _, check in sorted(enumerate(found.values()), key=lambda p: (order.get(id(p[1]), len(order)), p[0])):
        short = check.__class__.__module__.removeprefix(PREFIX)
        modules[short] = sorted(set(modules.get(short, [])) | set(check.supported_entities))
        checks[check.id] = [short, check.name, list(categories_of(check.categories))]
    from checkov.common.bridgecrew.check_type import CheckType
    from checkov.common.checks_infra.registry import get_graph_checks_registry

    registry = get_graph_checks_registry(CheckType.TERRAFORM)
    registry.load_checks()
    graph = {
        c.id: [c.name, list(categories_of([getattr(c, "category", None)]))]
        for c in sorted(registry.checks, key=lambda c: c.id)
    }
    return {"checkov": version("checkov"), "modules": modules, "checks": checks, "graph": graph}


def write_index(index: dict[str, Any]) -> str:
    """One entry per line, so a Checkov upgrade shows as a readable diff."""
    lines = ['{"checkov": ' + json.dumps(index["checkov"]) + ","]
    for section in ("modules", "checks", "graph"):
        entries = [f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in index[section].items()]
        lines += [f' "{section}": {{', ",\n".join(entries), " }" + ("," if section != "graph" else "")]
    return "\n".join([*lines, "}"]) + "\n"


def categories_of(values: Iterable[Any]) -> tuple[str, ...]:
    return tuple(sorted({str(getattr(v, "name", v)).upper() for v in values if v}))


@cache
def catalog() -> dict[str, Builtin]:
    """Every built-in Terraform check Checkov ships, by id (AWS and the rest): from the index, without importing
    Checkov, when it is the installed Checkov's; else from Checkov's full registries."""
    index = _index()
    if index is not None:
        found = {}
        for check_id, (module, name, categories) in index["checks"].items():
            kind = module.split(".")[0]
            found[check_id] = Builtin(check_id, name, tuple(categories), kind, tuple(index["modules"][module]))
        for check_id, (name, categories) in index["graph"].items():
            found[check_id] = Builtin(check_id, name, tuple(categories), "graph", ())
        return found
    from policies.builtins.run import registries

    return _live_catalog(registries())


def _live_catalog(registries: dict[str, Any]) -> dict[str, Builtin]:
    found: dict[str, Builtin] = {}
    for kind in PYTHON_KINDS:
        for group in (registries[kind].checks, registries[kind].wildcard_checks):
            for entity, checks in group.items():
                for check in checks:
                    known = found.get(check.id)
                    merged = tuple(sorted({*(known.types if known else ()), entity}))
                    found[check.id] = Builtin(check.id, check.name, categories_of(check.categories), kind, merged)
    for check in registries["graph"].checks:
        category = getattr(check, "category", None)
        found[check.id] = Builtin(check.id, check.name, categories_of([category]), "graph", ())
    return found


if __name__ == "__main__":
    INDEX.write_text(write_index(build_index()))
    print(f"wrote {INDEX}")
