"""Checkov's built-in checks over a stack's resolved Terraform JSON: the one place both engines call Checkov.

The Aspect (at synth) and the gate call `run(document, ids)`. It does what Checkov's `terraform_json` runner
does (the same definitions from `prepare_definition`, the same graph with the Terraform graph source, graph built
before the Python checks run, as the runner orders it), minus what the gate does not use: no file walking, no
YAML re-parse of the JSON, no records, no progress bar, no suppression comments. Unlike the runner it names every
result by its Terraform address (type + name; the runner writes `resource.<name>` for Python checks), and it takes
an already-parsed document, so the Aspect can hand it `stack.to_terraform()`. tests/compliance/test_builtins.py
holds its results equal to `TerraformJsonRunner`'s on the platform stack and on every rule fixture.

Checkov is imported on the first `run` (or `catalog()`), once per process; forked workers share it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

SYNTH_CATEGORIES = ("ENCRYPTION", "IAM", "NETWORKING", "LOGGING", "SECRETS")
SCANNED_FILE = "/cdk.tf.json"
PYTHON_KINDS = ("resource", "data", "provider", "module")  # the block types Checkov's Terraform runners scan


class BuiltinError(RuntimeError):
    """Checkov could not read the stack at all (its parser or graph broke): the stack cannot be judged."""


@dataclass(frozen=True)
class Builtin:
    """One built-in Checkov check, as the catalog and the reports describe it."""

    id: str
    name: str
    categories: tuple[str, ...]  # Checkov's categories, upper case (a few YAML checks spell them otherwise)
    kind: str  # resource | data | provider | module | graph
    types: tuple[str, ...]  # the Terraform types (or provider names) it inspects
    guideline: str = ""

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


@cache
def _registries() -> dict[str, Any]:
    _environment()
    from checkov.common.bridgecrew.check_type import CheckType
    from checkov.common.checks_infra.registry import get_graph_checks_registry
    from checkov.terraform.checks.data.registry import data_registry
    from checkov.terraform.checks.module.registry import module_registry
    from checkov.terraform.checks.provider.registry import provider_registry
    from checkov.terraform.checks.resource.registry import resource_registry

    graph = get_graph_checks_registry(CheckType.TERRAFORM)
    graph.load_checks()
    _accelerate()
    return {
        "resource": resource_registry,
        "data": data_registry,
        "provider": provider_registry,
        "module": module_registry,
        "graph": graph,
    }


def _categories(values: Iterable[Any]) -> tuple[str, ...]:
    return tuple(sorted({str(getattr(v, "name", v)).upper() for v in values if v}))


@cache
def catalog() -> dict[str, Builtin]:
    """Every built-in Terraform check Checkov ships, by id (AWS and the rest)."""
    registries = _registries()
    found: dict[str, Builtin] = {}
    for kind in PYTHON_KINDS:
        for types, checks in registries[kind].checks.items():
            for check in checks:
                known = found.get(check.id)
                merged = tuple(sorted({*(known.types if known else ()), types}))
                found[check.id] = Builtin(
                    check.id, check.name, _categories(check.categories), kind, merged, check.guideline or ""
                )
    for check in registries["graph"].checks:
        category = getattr(check, "category", None)
        found[check.id] = Builtin(
            check.id,
            check.name,
            _categories([category]),
            "graph",
            tuple(sorted(check.resource_types or ())),
            check.guideline or "",
        )
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


def run(document: dict[str, Any], ids: Iterable[str]) -> list[Result]:
    """Run the built-in checks `ids` over one stack document (cdk.tf.json as a dict); passed and failed results."""
    from checkov.terraform_json.parser import prepare_definition

    wanted = frozenset(ids)
    registries = _registries()
    key = document_key(document)
    memo = _memo(key)
    present = _present(document)
    graph_checks = [
        c for c in registries["graph"].checks if c.id in wanted and c.id not in memo["results"] and _applies(c, present)
    ]
    with _quiet():
        try:
            if graph_checks and memo["graph"] is None:
                memo["graph"] = _graph(prepare_definition(document))  # built before the Python checks, as the runner
            definition = prepare_definition(document)
        except Exception as error:
            raise BuiltinError(f"Checkov cannot read this stack ({type(error).__name__}: {error})") from None
        # The file name Checkov's checks see: one per document, as Checkov's runner gives each file its own path.
        # Checkov's IAM checks cache parsed policies by it (BaseTerraformCloudsplainingIAMScanner), so two stacks
        # sharing a name must not share a path.
        results = _python_results(definition, registries, wanted, f"/{key[:16]}{SCANNED_FILE}")
        if graph_checks:
            memo["results"].update(_graph_results(memo["graph"], graph_checks))
    results += [r for check_id, found in memo["results"].items() if check_id in wanted for r in found]
    # A check reports an address once: the worst result wins (the runner reports duplicates; a pass never hides
    # a failure).
    worst: dict[tuple[str, str], Result] = {}
    for result in results:
        key = (result.check_id, result.address)
        if key not in worst or not result.passed:
            worst[key] = result
    return sorted(worst.values(), key=lambda r: (r.address, r.check_id))
