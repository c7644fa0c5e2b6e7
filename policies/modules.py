"""Terraform modules a stack calls: a local module's HCL read as Terraform JSON and judged like the stack's own
resources; a module whose source is not on disk at synth (a registry or Git module) is said to be not judged.

A local module (cdktf's `TerraformHclModule` with a local source: cdktf copies it into the stack's assets, and the
block's `source` is that copy, relative to the stack's folder) is read with bc-python-hcl2, the HCL parser Checkov
pins. Its variables take the values the module block passes when they are literal or references to the stack's
resources (a key passed in is the stack's key), else their defaults; anything else stays an expression the rules
read as unreadable. Its resources join the stack under the names `<module>__<name>`, so references inside the
module and those passed in both resolve, and are reported as `module.<module>.<type>.<name>` under the module's
construct path. A module inside a module is not read (it is named in the module's finding).
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

META_ARGUMENTS = ("source", "version", "providers", "count", "for_each", "depends_on", "//")
LOCAL = re.compile(r"^(\./|\.\./|/)")
SECTIONS = ("resource", "data")


@dataclass(frozen=True)
class Module:
    name: str
    source: str
    construct_path: str
    document: dict[str, Any] = field(default_factory=dict)  # its resources and data, renamed into the stack
    why_not: str = ""  # why its contents are not judged ("" when they are)

    @property
    def judged(self) -> bool:
        return not self.why_not

    def local_name(self, renamed: str) -> str:
        return renamed.removeprefix(f"{self.name}__")


def load(document: dict[str, Any], folder: Path | None, sources: dict[str, Path] | None = None) -> dict[str, Module]:
    """Every module block of the stack; `folder` is the stack's folder (where Terraform resolves a local source),
    `sources` the folders the app's module constructs name (the Aspect, before cdktf copies them)."""
    found = {}
    for name, block in (document.get("module") or {}).items():
        if not isinstance(block, dict):
            continue
        source = str(block.get("source", ""))
        meta = block.get("//", {})
        path = meta.get("metadata", {}).get("path", "") if isinstance(meta, dict) else ""
        where = _local_folder(source, folder, (sources or {}).get(name))
        if where is None:
            why = (
                f"not judged: contents not available at synth ({source!r} is "
                + ("a local folder this synth does not hold" if LOCAL.match(source) else "a registry or remote module")
                + "); judge it where it is written, or vendor it as a local module"
            )
            found[name] = Module(name, source, path, why_not=why)
            continue
        try:
            found[name] = Module(name, source, path, _read(name, block, where))
        except (OSError, ValueError) as error:
            found[name] = Module(name, source, path, why_not=f"not judged: {where} cannot be read ({error})")
    return found


def _local_folder(source: str, folder: Path | None, constructed: Path | None) -> Path | None:
    if constructed is not None and constructed.is_dir():
        return constructed
    if not LOCAL.match(source):
        return None
    path = Path(source) if source.startswith("/") or folder is None else folder / source
    return path if path.is_dir() and any(path.glob("*.tf")) else None


def _read(name: str, block: dict[str, Any], folder: Path) -> dict[str, Any]:
    import hcl2  # bc-python-hcl2, pinned by Checkov

    parsed: dict[str, list[Any]] = {}
    for file in sorted(folder.glob("*.tf")):
        try:
            with file.open(encoding="utf-8") as handle:
                for key, items in hcl2.load(handle).items():
                    parsed.setdefault(key, []).extend(items)
        except Exception as error:  # lark raises many types; all mean the file is not HCL this parser reads
            raise ValueError(f"{file.name} is not HCL bc-python-hcl2 reads ({type(error).__name__})") from None
    inputs = {k: v for k, v in block.items() if k not in META_ARGUMENTS}
    values = {}
    for variable in parsed.get("variable", []):
        for var_name, spec in variable.items():
            default = _attribute(spec.get("default")) if isinstance(spec, dict) else None
            values[var_name] = inputs.get(var_name, default)
    local = {
        f"{t}.{n}" if section == "resource" else f"data.{t}.{n}"
        for section in SECTIONS
        for entry in parsed.get(section, [])
        for t, items in entry.items()
        for n in items
    }
    out: dict[str, Any] = {}
    for section in SECTIONS:
        for entry in parsed.get(section, []):
            for rtype, items in entry.items():
                for rname, config in items.items():
                    body = _substitute(_block(config), values, local, name)
                    body["//"] = {"metadata": {"path": f"{block_path(block) or name}/{rtype}.{rname}"}}
                    out.setdefault(section, {}).setdefault(rtype, {})[f"{name}__{rname}"] = body
    return out


def block_path(block: dict[str, Any]) -> str:
    meta = block.get("//", {})
    return str(meta.get("metadata", {}).get("path", "")) if isinstance(meta, dict) else ""


def _attribute(value: Any) -> Any:
    """bc-python-hcl2 writes an attribute's value in a one-element list."""
    return value[0] if isinstance(value, list) and len(value) == 1 else value


def _block(config: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in config.items():
        if key.startswith("__") and key.endswith("__"):
            continue  # __start_line__, __end_line__
        if isinstance(value, list) and value and all(_is_block(v) for v in value):
            out[key] = [_block(v) for v in value]  # nested blocks: their own attributes are wrapped again
        else:
            out[key] = _plain(_attribute(value))
    return out


def _is_block(value: Any) -> bool:
    return isinstance(value, dict) and all(
        isinstance(v, list) or (k.startswith("__") and k.endswith("__")) for k, v in value.items()
    )


_JSONENCODE = re.compile(r"^\$\{jsonencode\((?P<body>.*)\)\}$", re.DOTALL)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if not (k.startswith("__") and k.endswith("__"))}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    match = _JSONENCODE.match(value) if isinstance(value, str) else None
    if match:  # bc-python-hcl2 writes jsonencode's object argument as a Python literal: the JSON it encodes
        try:
            return json.dumps(ast.literal_eval(match.group("body")))
        except (ValueError, SyntaxError):
            return value
    return value


_VAR = re.compile(r"\$\{var\.([A-Za-z_][A-Za-z0-9_-]*)\}")


_UNSET = object()  # a variable that is null: the argument is not set at all


def _substitute(value: Any, values: dict[str, Any], local: set[str], module: str) -> Any:
    if isinstance(value, dict):
        out = {k: _substitute(v, values, local, module) for k, v in value.items()}
        return {k: v for k, v in out.items() if v is not _UNSET}
    if isinstance(value, list):
        return [_substitute(v, values, local, module) for v in value]
    if not isinstance(value, str):
        return value
    whole = _VAR.fullmatch(value)
    if whole and whole.group(1) in values:
        given = values[whole.group(1)]
        return _UNSET if given is None else given

    def one(match: re.Match[str]) -> str:
        given = values.get(match.group(1))
        return given if isinstance(given, str) and "${" not in given else match.group(0)

    text = _VAR.sub(one, value)
    for address in sorted(local, key=len, reverse=True):  # the module's own resources, renamed into the stack
        prefix, _, rname = address.rpartition(".")
        text = re.sub(rf"(?<![\w.]){re.escape(address)}(?![\w-])", f"{prefix}.{module}__{rname}", text)
    return text
