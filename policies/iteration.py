"""Terraform's iteration as the rules read it: `count` and `for_each` instances, references through them, and
`dynamic` blocks.

A counted or iterated resource is judged once, as a whole: every instance shares its configuration, and that is
what its author writes and fixes (a finding lists the instances when `count` or `for_each` is literal). To follow
references the way Terraform does, each resource's configuration is read with:
- an instance index after a resource's address dropped (`aws_s3_bucket.data[count.index].arn`, `[each.key]`,
  `["raw"]`, `[0]` all name `aws_s3_bucket.data`);
- `each.value` replaced by the resource a `for_each` iterates over (cdktf's `TerraformIterator.from_resources`:
  `for_each = "${aws_s3_bucket.data}"`, `bucket = "${each.value.id}"` is the companion of every instance of
  `aws_s3_bucket.data`);
- each `dynamic` block written out: with a literal `for_each`, one block per element (the iterator's `value` and
  `key` substituted); with any other `for_each`, its content once when the content does not read the iterator (the
  rules judge what every instance holds); otherwise a block no rule can read, which fails the rules that read it
  with what could not be read and how to make it readable.
"""

from __future__ import annotations

import json
import re
from typing import Any

from policies.model import DynamicBlock, is_opaque

INDEXED = re.compile(r"(?<![\w.$])((?:data\.)?[a-z][a-z0-9_]*\.[A-Za-z_][A-Za-z0-9_-]*)\[[^\[\]]*\](?=[.}\s,)\]])")
EACH_VALUE = re.compile(r"(?<![\w.])each\.value(?![\w])")
WHOLE_REFERENCE = re.compile(r"^\$\{((?:data\.)?[a-z][a-z0-9_]*\.[A-Za-z_][A-Za-z0-9_-]*)\}$")


def read(config: dict[str, Any], known: set[str]) -> dict[str, Any]:
    """A resource's configuration as the rules read it (`known`: the addresses of the stack's resources)."""
    return _dynamic(_references(config, known))


def written(config: dict[str, Any], known: set[str]) -> dict[str, Any]:
    """The same, as Terraform JSON Checkov can read: one instance standing for all (its configuration is every
    instance's: `count` and `for_each` dropped), references followed, each dynamic block written out where it can
    be and left as written where it cannot. Checkov's graph links a companion iterated over its bucket to no
    instance of it, and reads no dynamic block in Terraform JSON."""
    read = _dynamic(_references(config, known), keep_unreadable=True)
    return {k: v for k, v in read.items() if k not in ("count", "for_each")}


def _references(config: dict[str, Any], known: set[str]) -> dict[str, Any]:
    target = iterated_resource(config.get("for_each"), known)
    config = _strings(config, lambda text: _drop_indexes(text, known))
    if target is not None:
        config = _strings(config, lambda text: _each_value(text, target))
    return config


def iterated_resource(for_each: Any, known: set[str]) -> str | None:
    """The address `for_each` iterates over, when it is a whole resource or data source of the stack."""
    if not isinstance(for_each, str):
        return None
    match = WHOLE_REFERENCE.match(_drop_indexes(for_each, known).strip())
    return match.group(1) if match and match.group(1) in known else None


def instances(config: dict[str, Any]) -> tuple[str, ...]:
    """The instance keys of a counted or iterated resource when `count` or `for_each` is literal, else ()."""
    count = config.get("count")
    if isinstance(count, int) and not isinstance(count, bool):
        return tuple(str(i) for i in range(count))
    for_each = literal_collection(config.get("for_each"))
    if isinstance(for_each, dict):
        return tuple(json.dumps(key) for key in sorted(for_each))
    if isinstance(for_each, list) and all(isinstance(v, str) for v in for_each):
        return tuple(json.dumps(v) for v in sorted(set(for_each)))
    return ()


SET_OF = re.compile(r"^\$\{\s*(?:toset|tolist|tomap)\((?P<body>.*)\)\s*\}$", re.DOTALL)


def literal_collection(value: Any) -> Any:
    """A `for_each` as a literal list or map: JSON as written, or cdktf's `${toset([...])}` of literals and
    references (a reference element stays a `${...}` string); None for anything only Terraform can evaluate."""
    if isinstance(value, list | dict):
        return value
    match = SET_OF.match(value) if isinstance(value, str) else None
    if not match:
        return None
    from policies.iam.documents import PolicyUnreadable, parse_hcl_expression

    try:
        parsed = parse_hcl_expression(match.group("body"))
    except PolicyUnreadable:
        return None
    if isinstance(parsed, list):
        # an element that is a call or a variable is unknown; a reference to a resource attribute is a value
        return None if any(is_opaque(v) for v in parsed) else parsed
    return parsed if isinstance(parsed, dict) else None


def _drop_indexes(text: str, known: set[str]) -> str:
    if "[" not in text:
        return text
    return INDEXED.sub(lambda m: m.group(1) if m.group(1) in known else m.group(0), text)


def _each_value(text: str, target: str) -> str:
    """`each.value` means the iterated resource wherever an expression reads it (inside `${...}`, or bare inside a
    `jsonencode(...)` body)."""
    if "each.value" not in text or "${" not in text:
        return text
    return EACH_VALUE.sub(target, text)


def _strings(value: Any, change: Any) -> Any:
    if isinstance(value, str):
        return change(value)
    if isinstance(value, dict) and not isinstance(value, DynamicBlock):
        return {k: (v if k == "//" else _strings(v, change)) for k, v in value.items()}
    if isinstance(value, list):
        return [_strings(v, change) for v in value]
    return value


def _dynamic(config: Any, keep_unreadable: bool = False) -> Any:
    if isinstance(config, list):
        return [_dynamic(v, keep_unreadable) for v in config]
    if not isinstance(config, dict) or isinstance(config, DynamicBlock):
        return config
    out = {k: (v if k == "//" else _dynamic(v, keep_unreadable)) for k, v in config.items() if k != "dynamic"}
    dynamic = config.get("dynamic")
    if not isinstance(dynamic, dict):
        return out
    kept = {}
    for block, specs in dynamic.items():
        specs = specs if isinstance(specs, list) else [specs]
        built = [b for spec in specs for b in _expand(block, spec)]
        if keep_unreadable and any(isinstance(b, DynamicBlock) for b in built):
            kept[block] = dynamic[block]  # as written
            continue
        existing = out.get(block)
        out[block] = (existing if isinstance(existing, list) else [existing] if existing else []) + built
    if kept:
        out["dynamic"] = kept
    return out


def _expand(block: str, spec: Any) -> list[dict[str, Any]]:
    if not isinstance(spec, dict) or not isinstance(spec.get("content"), dict):
        return [DynamicBlock(block, spec)]
    iterator = spec.get("iterator") if isinstance(spec.get("iterator"), str) else block
    content, for_each = _dynamic(spec["content"]), spec.get("for_each")
    literal = literal_collection(for_each)
    if isinstance(literal, dict):
        elements = list(literal.items())
    elif isinstance(literal, list):  # a list's key is its index; a set's (toset, as cdktf writes) the element
        elements = list(enumerate(literal)) if isinstance(for_each, list) else [(v, v) for v in literal]
    else:
        reads_iterator = re.compile(rf"(?<![\w.]){re.escape(iterator)}\.(value|key)\b")
        if any(reads_iterator.search(text) for text in _texts(content)):
            return [DynamicBlock(block, for_each, content)]
        return [content]  # the same content for every element: judged as if written out once
    built = []
    for key, value in elements:
        written = _substitute(content, iterator, key, value)
        built.append(written if written is not None else DynamicBlock(block, for_each, content))
    return built


def _substitute(content: Any, iterator: str, key: Any, value: Any) -> Any:
    """The content with `${iterator.key}`, `${iterator.value}` and `${iterator.value.attr}` replaced by the literal
    element; None when the content reads an attribute the element does not have."""
    whole = re.compile(rf"^\$\{{{re.escape(iterator)}\.(key|value)((?:\.[A-Za-z_][A-Za-z0-9_]*)*)\}}$")
    inner = re.compile(rf"(?<!\$)\$\{{{re.escape(iterator)}\.(key|value)((?:\.[A-Za-z_][A-Za-z0-9_]*)*)\}}")
    missing = object()

    def pick(kind: str, path: str) -> Any:
        found = key if kind == "key" else value
        for attr in [p for p in path.split(".") if p]:
            found = found.get(attr, missing) if isinstance(found, dict) else missing
        return found

    def walk(node: Any) -> Any:
        if isinstance(node, str):
            match = whole.match(node)
            if match:
                return pick(match.group(1), match.group(2))
            pieces = []

            def text(m: re.Match[str]) -> str:
                found = pick(m.group(1), m.group(2))
                pieces.append(found)
                return found if isinstance(found, str) else json.dumps(found) if found is not missing else ""

            result = inner.sub(text, node)
            return missing if any(p is missing for p in pieces) else result
        if isinstance(node, DynamicBlock):
            return node
        if isinstance(node, dict):
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    written = walk(content)
    return None if _contains(written, missing) else written


def _texts(node: Any) -> list[str]:
    """Every string of a content (a nested unreadable block holds none)."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, DynamicBlock):
        return []
    if isinstance(node, dict):
        return [t for k, v in node.items() for t in (k, *_texts(v))]
    if isinstance(node, list):
        return [t for v in node for t in _texts(v)]
    return []


def _contains(node: Any, marker: object) -> bool:
    if node is marker:
        return True
    if isinstance(node, DynamicBlock):
        return False
    if isinstance(node, dict):
        return any(_contains(v, marker) for v in node.values())
    if isinstance(node, list):
        return any(_contains(v, marker) for v in node)
    return False
