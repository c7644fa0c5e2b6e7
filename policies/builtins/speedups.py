"""Our speed-ups of Checkov: each a named patch of one Checkov internal, written for one Checkov version, with an
off switch and a fingerprint of what it patches.

Each changes how fast Checkov computes, never what: tests/policies/test_builtins.py holds the results equal to an
unmodified `TerraformJsonRunner` in a separate process, and fails when a Checkov upgrade changes the code a patch
relies on (the fingerprint: the SHA-256 of that code's source). Turn one off with
`GUARDRAILS_SPEEDUPS_OFF=<name>[,<name>...]`, or all with `GUARDRAILS_SPEEDUPS_OFF=all`.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

OFF_SWITCH = "GUARDRAILS_SPEEDUPS_OFF"
WRITTEN_FOR = "3.3.30"  # the Checkov version every fingerprint below was taken from


@dataclass(frozen=True)
class Speedup:
    name: str
    patches: tuple[str, ...]  # what it relies on: modules (dotted) or functions in them (module:qualname)
    fingerprint: str  # SHA-256 over the source of `patches`, in order, at WRITTEN_FOR
    why: str

    @property
    def on(self) -> bool:
        off = {part.strip() for part in os.environ.get(OFF_SWITCH, "").split(",")}
        return not ({"all", self.name} & off)

    def current_fingerprint(self) -> str:
        """The fingerprint of what it patches in the installed Checkov."""
        digest = hashlib.sha256()
        for target in self.patches:
            digest.update(_source(target).encode())
        return digest.hexdigest()


def _source(target: str) -> str:
    """The source text of a module (dotted name) or of a function in it (module:qualname), read from the installed
    file, never imported: what is patched in this process must not change its fingerprint."""
    module, _, qualname = target.partition(":")
    top, *parts = module.split(".")
    spec = importlib.util.find_spec(top)
    folder = Path(next(iter(spec.submodule_search_locations or []))) if spec else None
    if folder is None:
        return ""
    path = folder.joinpath(*parts)
    path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    if not qualname:
        return text
    scope: list[ast.stmt] = ast.parse(text).body
    node: ast.AST | None = None
    for name in qualname.split("."):
        node = next((n for n in scope if getattr(n, "name", None) == name), None)
        if node is None:
            return ""
        scope = getattr(node, "body", [])
    return ast.get_source_segment(text, node) or ""


LAZY_CHECKS = Speedup(
    "lazy-checks",
    (
        "checkov.terraform",
        "checkov.terraform.checks.resource",
        "checkov.terraform.checks.data",
        "checkov.terraform.checks.provider",
        "checkov.terraform.checks.module",
        "checkov.terraform.modules",
    ),
    "795b55e385411577005234ecde001f8ef0958b00add7a1a1bdf7813d750f1499",
    "Checkov's package __init__ files import all 1,300 Terraform checks of every cloud; the packages are entered "
    "without running them and only the check modules for the block types a stack holds are imported, from "
    "index.json (policies/builtins/index.py)",
)
SHARED_ASTEVAL = Speedup(
    "shared-asteval",
    (
        "checkov.terraform.graph_builder.variable_rendering.safe_eval_functions:get_asteval",
        "checkov.terraform.graph_builder.variable_rendering.safe_eval_functions:evaluate",
    ),
    "c956ae13ca21c4bf1be7b33a6bf639abc1b4af005768c129c68ce07d89fd651d",
    "rendering evaluates each Terraform expression with a new asteval Interpreter (~0.15 ms, 2,000 per platform "
    "stack); every one shares the same symbol table (SAFE_EVAL_DICT) and `evaluate` reads only the error state of "
    "its own call, which asteval resets on each call: one interpreter per thread evaluates the same",
)
SHARED_JSONPATH_PARSER = Speedup(
    "shared-jsonpath-parser",
    ("bc_jsonpath_ng.parser:JsonPathParser.parse_token_stream",),
    "016f478b023e8544413e3be8f4cddec631e7a06091fb69aab305b9a9b1cd33f1",
    'bc-jsonpath-ng rebuilds its LALR parse tables with ply for every JSONPath it parses (~60 ms each, "we '
    'regenerate the parse table every time"); the tables depend only on the grammar: one parser per thread and '
    "grammar parses the same",
)
SPEEDUPS = (LAZY_CHECKS, SHARED_ASTEVAL, SHARED_JSONPATH_PARSER)

_LOCAL = threading.local()
_APPLIED: set[str] = set()


def apply_after_load() -> None:
    """The two per-call constructions made once per thread (after Checkov's graph registry loaded); idempotent."""
    if SHARED_ASTEVAL.on and SHARED_ASTEVAL.name not in _APPLIED:
        _share_asteval()
        _APPLIED.add(SHARED_ASTEVAL.name)
    if SHARED_JSONPATH_PARSER.on and SHARED_JSONPATH_PARSER.name not in _APPLIED:
        _share_jsonpath_parser()
        _APPLIED.add(SHARED_JSONPATH_PARSER.name)


def _share_asteval() -> None:
    from checkov.terraform.graph_builder.variable_rendering import safe_eval_functions

    build_interpreter = safe_eval_functions.get_asteval

    def shared_interpreter() -> Any:
        interpreter = getattr(_LOCAL, "interpreter", None)
        if interpreter is None:
            interpreter = _LOCAL.interpreter = build_interpreter()
        return interpreter

    safe_eval_functions.get_asteval = shared_interpreter


def _share_jsonpath_parser() -> None:
    import bc_jsonpath_ng.parser as jsonpath_parser
    import ply.yacc

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
