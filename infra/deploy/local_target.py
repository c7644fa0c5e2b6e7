"""The emulator target: the same synthesized stack, minus resources the emulator cannot create, listed with why.

Nothing is weakened in the real stack or a policy: the filter works on a copy of the synthesized JSON for the
emulator only, refuses to leave a dangling reference, and its list is printed by the run and kept in the report.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Exclusion:
    resource_type: str
    reason: str
    keep_paths: tuple[str, ...] = ()  # construct-path fragments of resources of this type that stay

    def excludes(self, config: dict) -> bool:
        path = config.get("//", {}).get("metadata", {}).get("path", "")
        return not any(fragment in path for fragment in self.keep_paths)


IOT_TAGS = (
    "moto does not implement IoT ListTagsForResource, which terraform calls to read the tags of this tagged "
    "IoT resource (apply and destroy would fail)"
)
EXCLUSIONS = (
    Exclusion("aws_iot_policy", IOT_TAGS),
    Exclusion("aws_iot_thing_type", IOT_TAGS),
    Exclusion("aws_iot_topic_rule", "moto does not implement IoT ListTagsForResource; terraform would hang on it"),
    Exclusion("aws_iot_logging_options", "moto does not implement the IoT v2 logging-options API (HTTP 500)"),
    Exclusion(
        "aws_iot_domain_configuration",
        "moto implements domain configurations but not IoT "
        "ListTagsForResource, which terraform calls to read their tags",
    ),
    Exclusion(
        "aws_s3_bucket_policy",
        "moto reads any Deny condition as matching: the TLS-only policy would deny every object call, including "
        "the upload of the job script (the access-log bucket keeps its policy: S3 checks that it grants log "
        "delivery, and no object call targets it during the run)",
        keep_paths=("/lake/access-logs/",),
    ),
    Exclusion(
        "aws_lakeformation_permissions",
        "moto's RevokePermissions answers {} and destroy loops; grants are checked in the synthesized stack instead",
    ),
    Exclusion("aws_config_config_rule", "AWS Config evaluations are not implemented by moto (profile default is off)"),
)
REFERENCE = re.compile(r"\$\{(?:data\.)?([a-z0-9_]+)\.([A-Za-z0-9_-]+)")


def apply_exclusions(document: dict, exclusions: tuple[Exclusion, ...] = EXCLUSIONS) -> tuple[dict, list[dict]]:
    """A copy of the stack without the excluded types; raises if something left behind still references one."""
    local = copy.deepcopy(document)
    removed: list[dict] = []
    for exclusion in exclusions:
        items = local.get("resource", {}).get(exclusion.resource_type) or {}
        for name, config in list(items.items()):
            if exclusion.excludes(config):
                del items[name]
                path = config.get("//", {}).get("metadata", {}).get("path", "")
                removed.append(
                    {"address": f"{exclusion.resource_type}.{name}", "construct_path": path, "reason": exclusion.reason}
                )
        if exclusion.resource_type in local.get("resource", {}) and not items:
            del local["resource"][exclusion.resource_type]
    gone = {tuple(r["address"].split(".", 1)) for r in removed}
    # Outputs of excluded resources are dropped (and listed): the emulator never created what they would name.
    for name, output in list((local.get("output") or {}).items()):
        refs = {(t, n) for t, n in REFERENCE.findall(json.dumps(output))}
        if refs & gone:
            del local["output"][name]
            removed.append({"address": f"output.{name}", "construct_path": "", "reason": "names an excluded resource"})
    for section in ("resource", "data", "output"):
        text = json.dumps(local.get(section, {}))
        dangling = {f"{t}.{n}" for t, n in REFERENCE.findall(text) if (t, n) in gone}
        for items in local.get(section, {}).values() if section != "output" else []:
            for config in items.values():
                dangling |= {d for d in config.get("depends_on", []) if tuple(d.split(".", 1)) in gone}
        if dangling:
            raise ValueError("the emulator target still references excluded resources: " + ", ".join(sorted(dangling)))
    return local, removed


@dataclass(frozen=True)
class Release:
    """A resource the emulator creates but cannot delete: taken out of the state before destroy, and reported."""

    resource_type: str
    reason: str
    path_fragment: str = ""


RELEASE_BEFORE_DESTROY = (
    Release("aws_glue_connection", "moto implements CreateConnection but not DeleteConnection"),
    Release(
        "aws_secretsmanager_secret_rotation",
        "moto's CancelRotateSecret refuses RDS-managed rotation (no "
        "Lambda); on AWS the managed secret goes with the cluster",
        "/database/",
    ),
)


def releases(state_addresses: list[str], document: dict) -> list[dict]:
    """The state addresses to release before destroy, with the reason and the resource's configured name."""
    found = []
    for release in RELEASE_BEFORE_DESTROY:
        for name, config in (document.get("resource", {}).get(release.resource_type) or {}).items():
            path = config.get("//", {}).get("metadata", {}).get("path", "")
            address = f"{release.resource_type}.{name}"
            if address in state_addresses and release.path_fragment in path:
                found.append({"address": address, "name": config.get("name", ""), "reason": release.reason})
    return found
