"""A picture-sized view of a stack: resources grouped by top-level construct, and the references between groups."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from policies.model import StackView, text_of

_REF = re.compile(r"\$\{(?:data\.)?([a-z0-9_]+)\.([A-Za-z0-9_-]+)")


def group_of(construct_path: str) -> str:
    parts = construct_path.split("/")
    return parts[1] if len(parts) > 2 else "(stack)"


def stack_graph(view: StackView) -> dict[str, Any]:
    names = {(r.type, r.name): group_of(r.construct_path) for r in view}
    nodes: Counter[str] = Counter(group_of(r.construct_path) for r in view if r.mode == "resource")
    types: dict[str, Counter[str]] = {}
    edges: Counter[tuple[str, str]] = Counter()
    for resource in view:
        source = names[(resource.type, resource.name)]
        if resource.mode == "resource":
            types.setdefault(source, Counter())[resource.type] += 1
        body = text_of({k: v for k, v in resource.config.items() if k != "//"})
        for rtype, name in set(_REF.findall(body)):
            target = names.get((rtype, name))
            if target and target != source:
                edges[(source, target)] += 1
    return {
        "nodes": [{"group": g, "resources": n, "types": dict(types.get(g, {}))} for g, n in sorted(nodes.items())],
        "edges": [{"from": a, "to": b, "references": n} for (a, b), n in sorted(edges.items())],
    }
