"""Checkov's built-in checks over a stack's resolved Terraform JSON: what the `terraform_json` runner does, minus
what the gate does not use.

The same definitions from `prepare_definition`, the same graph with the Terraform graph source, the graph built
before the Python checks run, as the runner orders it; no file walking, no YAML re-parse of the JSON, no records,
no progress bar, no suppression comments. Unlike the runner it names every result by its Terraform address (type +
name; the runner writes `resource.<name>` for Python checks), and it takes an already-parsed document, so the
Aspect can hand it `stack.to_terraform()`. tests/policies/test_builtins.py holds its results equal to
`TerraformJsonRunner`'s on the platform stack and on every rule fixture. Checkov is imported on the first `run`,
once per process; forked workers share it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

from policies.builtins import index
from policies.builtins.index import LOCK, PYTHON_KINDS
from policies.builtins.speedups import apply_after_load

SCANNED_FILE = "/cdk.tf.json"


class BuiltinError(RuntimeError):
    """Checkov could not read the stack at all (its parser or graph broke): the stack cannot be judged."""


@dataclass(frozen=True)
class Result:
    check_id: str
    address: str  # aws_s3_bucket.name, data.aws_iam_policy_document.name, provider.aws, provider.aws.replica
    passed: bool
    error: str = ""  # the check broke on this resource: a failure (fail closed), where Checkov says UNKNOWN


@cache
def _python_registries() -> dict[str, Any]:
    with LOCK:
        index.offline()
        if not index.lazy():
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
    with LOCK:
        index.offline()
        index.lazy()
        from checkov.common.bridgecrew.check_type import CheckType
        from checkov.common.checks_infra.registry import get_graph_checks_registry

        graph = get_graph_checks_registry(CheckType.TERRAFORM)
        graph.load_checks()
        apply_after_load()
        return graph


def registries() -> dict[str, Any]:
    return {**_python_registries(), "graph": _graph_registry()}


def preload() -> None:
    """Load Checkov's registries in this process, so processes forked from it share them."""
    _python_registries()
    _graph_registry()


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


# Graph and results of the documents this process has judged, by the SHA-256 of their canonical JSON: the gate run
# in the synth's process (`python -m compliance check --synth`) reuses what the Aspect computed for the same
# document, and runs only the checks the Aspect did not (each check's results depend on the document alone).
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
    index.offline()
    index.lazy()  # before anything imports Checkov's Terraform package
    from checkov.terraform_json.parser import prepare_definition

    wanted, parts = frozenset(ids), set(parts)
    key = document_key(document)
    memo = _memo(key)
    if "readable" not in memo:
        memo["readable"], memo["note"] = _readable(document, prepare_definition)
    document = memo["readable"]
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
            ran = memo.setdefault("python", {})  # check id -> its results on this document
            todo = wanted - set(ran)
            if todo:
                registries = _python_registries()
                index.load_for(document)
                definition = _guarded(lambda: prepare_definition(document))
                # The file name Checkov's checks see: one per document, as Checkov's runner gives each file its
                # own path. Checkov's IAM checks cache parsed policies by it (BaseTerraformCloudsplainingIAMScanner),
                # so two stacks sharing a name must not share a path.
                found = _python_results(definition, registries, todo, f"/{key[:16]}{SCANNED_FILE}")
                for check_id in todo:
                    ran[check_id] = []
                for result in found:
                    ran[result.check_id].append(result)
            results += [r for check_id, found in ran.items() if check_id in wanted for r in found]
    return worst(results)


# Parts of valid Terraform JSON that Checkov 3.3.30's terraform_json parser refuses ("this method receives only
# dicts"), none of which its checks judge: withheld from Checkov, one at a time, only when it cannot read the stack.
WITHHELD = (
    ("terraform", "required_version"),
    ("import",),
    ("moved",),
    ("removed",),
    ("check",),
    ("terraform",),
    ("locals",),
    ("variable",),
    ("output",),
)


def _readable(document: dict[str, Any], parse: Any) -> tuple[dict[str, Any], str]:
    """The document as Checkov can read it, and a note saying what it was not given ("" when all of it)."""
    first = _parse_error(document, parse)
    if not first:
        return document, ""
    reduced, withheld = document, []
    for path in WITHHELD:
        trimmed = _without(reduced, path)
        if trimmed is reduced:
            continue
        reduced = trimmed
        withheld.append(".".join(path))
        if not _parse_error(reduced, parse):
            return reduced, (
                f"Checkov's parser cannot read this stack ({first}); it judged the stack without "
                f"{', '.join(withheld)}, which no Checkov check reads; our rulebook judged all of it"
            )
    raise BuiltinError(f"Checkov cannot read this stack ({first})")


def _parse_error(document: dict[str, Any], parse: Any) -> str:
    try:
        with _quiet():
            parse(document)
    except Exception as error:
        return f"{type(error).__name__}: {error}"
    return ""


def _without(document: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    """A copy of the document without the part at `path`, or the document itself when it has none."""
    head, *rest = path
    if head not in document:
        return document
    if not rest:
        return {k: v for k, v in document.items() if k != head}
    inner = document[head]
    if not isinstance(inner, dict) or rest[0] not in inner:
        return document
    return {**document, head: {k: v for k, v in inner.items() if k != rest[0]}}


def note(document: dict[str, Any]) -> str:
    """What Checkov was not given of this document (after `run`), "" when it read all of it."""
    entry = _MEMO.get(document_key(document))
    return str(entry.get("note", "")) if entry else ""


def worst(results: Iterable[Result]) -> list[Result]:
    """A check reports a resource once: the worst result wins (the runner reports duplicates; a pass never hides
    a failure). Checkov's graph checks name the instances of a counted or iterated resource (`aws_kms_key.k[0]`,
    `aws_s3_bucket.b["raw"]`), and for companions iterated over another resource they report one instance, a
    different one from run to run: a result names the resource as a whole, which every instance's configuration
    is, so the verdict is the same on every run."""
    found: dict[tuple[str, str], Result] = {}
    for result in results:
        if result.address.endswith("]"):
            result = Result(result.check_id, INSTANCE.sub("", result.address), result.passed, result.error)
        key = (result.check_id, result.address)
        if key not in found or not result.passed:
            found[key] = result
    return sorted(found.values(), key=lambda r: (r.address, r.check_id))


INSTANCE = re.compile(r"\[[^\[\]]*\]$")  # an instance key after an address: [0], ["raw"]


def _guarded(build: Any) -> Any:
    try:
        return build()
    except Exception as error:
        raise BuiltinError(f"Checkov cannot read this stack ({type(error).__name__}: {error})") from None
