"""Checkov's built-in checks over a stack's resolved Terraform JSON: the one place both engines call Checkov.

The Aspect (at synth) and the gate call `run(document, ids)`. It does what Checkov's `terraform_json` runner
does (the same definitions from `prepare_definition`, the same graph with the Terraform graph source, graph built
before the Python checks run, as the runner orders it), minus what the gate does not use: no file walking, no
YAML re-parse of the JSON, no records, no progress bar, no suppression comments. Unlike the runner it names every
result by its Terraform address (type + name; the runner writes `resource.<name>` for Python checks), and it takes
an already-parsed document, so the Aspect can hand it `stack.to_terraform()`. tests/compliance/test_builtins.py
holds its results equal to `TerraformJsonRunner`'s on the platform stack and on every rule fixture.

Checkov is imported on the first `run`, once per process; forked workers share it. Only what the gate uses is
imported: the check modules for the block types a stack holds, found in policies/checkov_index.json (every
built-in Terraform check of the installed Checkov: its module, kind, types, name and categories; `python -m
policies.builtins` writes it, tests/compliance/test_builtins.py holds it equal to Checkov's full registry).
Checkov imports all 1,300 of its Terraform checks, every cloud's, from its package `__init__` files; those
packages are entered without running them. With another Checkov version than the index's, or when something in
the process imported Checkov's Terraform package first, every check is loaded, as Checkov does.
"""

from __future__ import annotations

import fnmatch
import hashlib
import importlib
import importlib.util
import json
import logging
import os
import sys
import threading
import types
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

SYNTH_CATEGORIES = ("ENCRYPTION", "IAM", "NETWORKING", "LOGGING", "SECRETS")
SCANNED_FILE = "/cdk.tf.json"
PYTHON_KINDS = ("resource", "data", "provider", "module")  # the block types Checkov's Terraform runners scan
INDEX = Path(__file__).resolve().parent / "checkov_index.json"
PACKAGES = {kind: f"checkov.terraform.checks.{kind}" for kind in PYTHON_KINDS}


class BuiltinError(RuntimeError):
    """Checkov could not read the stack at all (its parser or graph broke): the stack cannot be judged."""


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


@dataclass(frozen=True)
class Result:
    check_id: str
    address: str  # aws_s3_bucket.name, data.aws_iam_policy_document.name, provider.aws, provider.aws.replica
    passed: bool
    error: str = ""  # the check broke on this resource: a failure (fail closed), where Checkov says UNKNOWN


def _environment() -> None:
    # Offline, as the README says: no Bridgecrew mapping download, no version check.
    os.environ.setdefault("BC_SKIP_MAPPING", "TRUE")
    os.environ.setdefault("CKV_SKIP_PACKAGE_UPDATE_CHECK", "TRUE")


_LOCAL = threading.local()


def _accelerate() -> None:
    """Two constructions Checkov 3.3.30 repeats on every call, made once per thread; what they compute is unchanged.

    - Rendering evaluates each Terraform expression with a new asteval Interpreter (`get_asteval`, ~0.15 ms each,
      2,000 per platform stack): every one shares the same symbol table (SAFE_EVAL_DICT), and `eval` resets the
      interpreter's error state, so one interpreter per thread evaluates the same.
    - bc-jsonpath-ng rebuilds its LALR parse tables with ply for every JSONPath it parses (~60 ms each, "we
      regenerate the parse table every time"): the tables depend only on the grammar, so one parser per thread
      and grammar parses the same.
    tests/compliance/test_builtins.py holds the results equal to an unmodified `TerraformJsonRunner` (a separate
    process) on every rule fixture and on the platform stack.
    """
    import ply.yacc
    from checkov.terraform.graph_builder.variable_rendering import safe_eval_functions

    build_interpreter = safe_eval_functions.get_asteval

    def shared_interpreter() -> Any:
        interpreter = getattr(_LOCAL, "interpreter", None)
        if interpreter is None:
            interpreter = _LOCAL.interpreter = build_interpreter()
        return interpreter

    safe_eval_functions.get_asteval = shared_interpreter

    import bc_jsonpath_ng.parser as jsonpath_parser

    build_parser = ply.yacc.yacc

    def shared_parser(*args: Any, **kwargs: Any) -> Any:
        module = kwargs.get("module")
        key = (type(module), kwargs.get("start"))
        parsers = _LOCAL.__dict__.setdefault("parsers", {})
        if key not in parsers:
            parsers[key] = build_parser(*args, **kwargs)
        return parsers[key]

    jsonpath_parser.ply = _PlyWithSharedParser(jsonpath_parser.ply, shared_parser)


class _PlyWithSharedParser:
    """The `ply` module as bc_jsonpath_ng.parser sees it, with `yacc.yacc` building each parser once."""

    def __init__(self, ply: Any, yacc: Any) -> None:
        self._ply = ply
        self.yacc = _Namespace(ply.yacc, yacc=yacc)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ply, name)


class _Namespace:
    def __init__(self, module: Any, **overrides: Any) -> None:
        self._module = module
        self.__dict__.update(overrides)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module, name)


_LOCK = threading.RLock()
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
    with _LOCK:
        if "lazy" not in _MODE:
            loaded = sys.modules.get("checkov.terraform")
            _MODE["lazy"] = _index() is not None and (loaded is None or getattr(loaded, "_by_block_type", False))
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


@cache
def _python_registries() -> dict[str, Any]:
    with _LOCK:
        _environment()
        if not lazy():
            import checkov.terraform  # noqa: F401  every check, as Checkov loads them
        from checkov.terraform.checks.data.registry import data_registry
        from checkov.terraform.checks.module.registry import module_registry
        from checkov.terraform.checks.provider.registry import provider_registry
        from checkov.terraform.checks.resource.registry import resource_registry

        return {
            "resource": resource_registry,
            "data": data_registry,
            "provider": provider_registry,
            "module": module_registry,
        }


@cache
def _graph_registry() -> Any:
    with _LOCK:
        _environment()
        lazy()
        from checkov.common.bridgecrew.check_type import CheckType
        from checkov.common.checks_infra.registry import get_graph_checks_registry

        graph = get_graph_checks_registry(CheckType.TERRAFORM)
        graph.load_checks()
        _accelerate()
        return graph


def _registries() -> dict[str, Any]:
    return {**_python_registries(), "graph": _graph_registry()}


def preload() -> None:
    """Load Checkov's registries in this process, so processes forked from it share them."""
    _python_registries()
    _graph_registry()


def _load_for(document: dict[str, Any]) -> None:
    """Import the check modules for the block types of this document (lazy mode), in the index's order."""
    if not lazy():
        return
    present = {
        (kind, t)
        for kind, types in (
            ("resource", document.get("resource") or {}),
            ("data", document.get("data") or {}),
            ("provider", document.get("provider") or {}),
            ("module", {"module": 1} if document.get("module") else {}),
        )
        for t in types
    }
    with _LOCK:
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


PREFIX = "checkov.terraform.checks."


def build_index() -> dict[str, Any]:
    """Every built-in Terraform check of the installed Checkov, from its full registries, in registration order:
    module (after checkov.terraform.checks.) -> its entity types, check -> [module, name, categories], graph
    check -> [name, categories]. Run in a fresh process: `python -m policies.builtins`."""
    _environment()
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
        checks[check.id] = [short, check.name, list(_categories(check.categories))]
    from checkov.common.bridgecrew.check_type import CheckType
    from checkov.common.checks_infra.registry import get_graph_checks_registry

    registry = get_graph_checks_registry(CheckType.TERRAFORM)
    registry.load_checks()
    graph = {
        c.id: [c.name, list(_categories([getattr(c, "category", None)]))]
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


def _categories(values: Iterable[Any]) -> tuple[str, ...]:
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
    return _live_catalog(_registries())


def _live_catalog(registries: dict[str, Any]) -> dict[str, Builtin]:
    found: dict[str, Builtin] = {}
    for kind in PYTHON_KINDS:
        for group in (registries[kind].checks, registries[kind].wildcard_checks):
            for entity, checks in group.items():
                for check in checks:
                    known = found.get(check.id)
                    merged = tuple(sorted({*(known.types if known else ()), entity}))
                    found[check.id] = Builtin(check.id, check.name, _categories(check.categories), kind, merged)
    for check in registries["graph"].checks:
        category = getattr(check, "category", None)
        found[check.id] = Builtin(check.id, check.name, _categories([category]), "graph", ())
    return found


def _python_results(
    definition: dict[str, Any], registries: dict[str, Any], ids: frozenset[str], scanned: str
) -> list[Result]:
    from checkov.common.models.enums import CheckResult

    results = []
    for kind in PYTHON_KINDS:
        registry = registries[kind]
        for entity in definition.get(kind) or []:
            try:
                rtype, name, config = registry.extract_entity_details(entity)
            except (StopIteration, IndexError, AttributeError, TypeError):
                continue
            if not isinstance(config, dict):
                continue
            address = _address(kind, rtype, name, config)
            for check in registry.get_checks(rtype):
                if check.id not in ids:
                    continue
                try:
                    outcome = check.run(scanned, config, name, rtype, {})["result"]
                except Exception as error:  # Checkov's runner reports UNKNOWN and moves on: we fail closed
                    why = f"Checkov {check.id} could not evaluate this resource ({type(error).__name__}: {error})"
                    results.append(Result(check.id, address, False, why))
                    continue
                if outcome in (CheckResult.PASSED, CheckResult.FAILED):
                    results.append(Result(check.id, address, outcome == CheckResult.PASSED))
    return results


def _address(kind: str, rtype: str, name: str, config: dict[str, Any]) -> str:
    if kind == "resource":
        return f"{rtype}.{name}"
    if kind == "data":
        return f"data.{rtype}.{name}"
    if kind == "module":
        return f"module.{name}"
    alias = config.get("alias")
    alias = alias[0] if isinstance(alias, list) and alias else alias
    return f"provider.{rtype}.{alias}" if isinstance(alias, str) and alias else f"provider.{rtype}"


def _graph(definition: dict[str, Any]) -> Any:
    from checkov.common.graph.db_connectors.rustworkx.rustworkx_db_connector import RustworkxConnector
    from checkov.common.graph.graph_builder.consts import GraphSource
    from checkov.terraform.graph_manager import TerraformGraphManager

    manager = TerraformGraphManager(db_connector=RustworkxConnector(), source=GraphSource.TERRAFORM)
    local = manager.build_graph_from_definitions({SCANNED_FILE: definition})
    return manager.save_graph(local)


def _graph_results(graph: Any, checks: list[Any]) -> dict[str, list[Result]]:
    from checkov.common.graph.graph_builder import CustomAttributes

    results: dict[str, list[Result]] = {}
    for check in checks:
        try:
            passed, failed, _unknown = check.run(graph)
        except Exception as error:
            raise BuiltinError(
                f"Checkov's graph check {check.id} broke on this stack ({type(error).__name__}: {error})"
            ) from None
        found = results.setdefault(check.id, [])
        for entities, ok in ((passed, True), (failed, False)):
            for entity in entities:
                address = str(entity.get(CustomAttributes.ID, ""))
                if entity.get(CustomAttributes.BLOCK_TYPE) == "data" and not address.startswith("data."):
                    address = f"data.{address}"
                found.append(Result(check.id, address, ok))
    return results


def _present(document: dict[str, Any]) -> set[str]:
    """The block types a graph check could match in this document, spelled as graph checks name them (aws_x,
    data.aws_x, provider.aws); data types also bare, which some checks use."""
    resources = set(document.get("resource") or {})
    data = set(document.get("data") or {})
    providers = {f"provider.{name}" for name in (document.get("provider") or {})}
    return resources | data | {f"data.{t}" for t in data} | providers


def _applies(check: Any, present: set[str]) -> bool:
    """A graph check only reports vertices of its resource types: one whose types are all absent reports nothing."""
    types = set(check.resource_types or ())
    return not types or "all" in types or bool(types & present)


# Graph and graph results of the documents this process has judged, by the SHA-256 of their canonical JSON: the
# gate run in the synth's process (`python -m compliance check --synth`) reuses what the Aspect computed for the
# same document, and runs only the checks the Aspect did not. Python checks always run again (milliseconds), on a
# fresh definition, as the runner runs them.
_MEMO: OrderedDict[str, dict[str, Any]] = OrderedDict()
MEMO_SIZE = 32


def _memo(key: str) -> dict[str, Any]:
    entry = _MEMO.pop(key, None) or {"graph": None, "results": {}}
    _MEMO[key] = entry
    while len(_MEMO) > MEMO_SIZE:
        _MEMO.popitem(last=False)
    return entry


def judged_before(document: dict[str, Any]) -> bool:
    """Has this process built Checkov's graph of this document already (the Aspect, in the synth's process)?"""
    entry = _MEMO.get(document_key(document))
    return bool(entry and entry["graph"] is not None)


def document_key(document: dict[str, Any]) -> str:
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


@contextmanager
def _quiet() -> Iterator[None]:
    """Checkov logs a traceback for every check that breaks (through the root logger): the result says it."""
    previous = logging.root.manager.disable
    logging.disable(logging.CRITICAL)
    try:
        yield
    finally:
        logging.disable(previous)


PARTS = ("python", "graph")


def run(document: dict[str, Any], ids: Iterable[str], parts: Iterable[str] = PARTS) -> list[Result]:
    """Run the built-in checks `ids` over one stack document (cdk.tf.json as a dict); passed and failed results.
    `parts` may limit the run to the Python checks or the graph checks: the two are independent (each on its own
    definition of the document, the graph built before any Python check runs, as the runner orders them), so two
    processes may run one each."""
    _environment()
    lazy()  # before anything imports Checkov's Terraform package
    from checkov.terraform_json.parser import prepare_definition

    wanted, parts = frozenset(ids), set(parts)
    key = document_key(document)
    memo = _memo(key)
    results: list[Result] = []
    with _quiet():
        if "graph" in parts:
            present = _present(document)
            graph_checks = [
                c
                for c in _graph_registry().checks
                if c.id in wanted and c.id not in memo["results"] and _applies(c, present)
            ]
            if graph_checks and memo["graph"] is None:
                memo["graph"] = _guarded(lambda: _graph(prepare_definition(document)))
            if graph_checks:
                memo["results"].update(_graph_results(memo["graph"], graph_checks))
            results += [r for check_id, found in memo["results"].items() if check_id in wanted for r in found]
        if "python" in parts:
            registries = _python_registries()
            _load_for(document)
            definition = _guarded(lambda: prepare_definition(document))
            # The file name Checkov's checks see: one per document, as Checkov's runner gives each file its own
            # path. Checkov's IAM checks cache parsed policies by it (BaseTerraformCloudsplainingIAMScanner), so two
            # stacks sharing a name must not share a path.
            results += _python_results(definition, registries, wanted, f"/{key[:16]}{SCANNED_FILE}")
    return worst(results)


def worst(results: Iterable[Result]) -> list[Result]:
    """A check reports an address once: the worst result wins (the runner reports duplicates; a pass never hides
    a failure)."""
    found: dict[tuple[str, str], Result] = {}
    for result in results:
        key = (result.check_id, result.address)
        if key not in found or not result.passed:
            found[key] = result
    return sorted(found.values(), key=lambda r: (r.address, r.check_id))


def _guarded(build: Any) -> Any:
    try:
        return build()
    except Exception as error:
        raise BuiltinError(f"Checkov cannot read this stack ({type(error).__name__}: {error})") from None


if __name__ == "__main__":
    INDEX.write_text(write_index(build_index()))
    print(f"wrote {INDEX}")
