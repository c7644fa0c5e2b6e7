"""The emulator target: a copy of the synthesized stack pointed at a local emulator, minus what it cannot create.

Nothing is weakened in the real stack or a policy: every change works on a copy of the synthesized JSON for the
emulator only (provider endpoints and dummy credentials, a local state file, the exclusions), the filter refuses to
leave a dangling reference, and its list is printed by the run and kept in the report.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Exclusion:
    resource_type: str
    reason: str
    keep_paths: tuple[str, ...] = ()  # construct-path fragments of resources of this type that stay

    def excludes(self, config: dict) -> bool:
        path = config.get("//", {}).get("metadata", {}).get("path", "")
        return not any(fragment in path for fragment in self.keep_paths)


IOT_TAGS = (
    "moto does not implement IoT ListTagsForResource, which terraform calls to read the tags of these tagged IoT "
    "resources (apply fails, or hangs on a topic rule)"
)
EXCLUSIONS = (
    Exclusion("aws_iot_policy", IOT_TAGS),
    Exclusion("aws_iot_thing_type", IOT_TAGS),
    Exclusion("aws_iot_topic_rule", IOT_TAGS),
    Exclusion("aws_iot_domain_configuration", IOT_TAGS),
    Exclusion("aws_iot_logging_options", "moto does not implement the IoT v2 logging-options API (HTTP 500)"),
    Exclusion(
        "aws_s3_bucket_policy",
        "moto reads any Deny condition as matching: the TLS-only policy would deny every object call, including "
        "the upload of the job script (the access-log bucket keeps its policy: S3 checks that it grants log "
        "delivery, and no object call targets it during the run)",
        keep_paths=("/lake/access-logs/",),
    ),
    Exclusion(
        "aws_lambda_invocation",
        "moto runs Lambda code only inside Docker, which the local deploy does not require: the invocations at "
        "deploy (schema migration, job start) cannot run there, and a stubbed answer would prove nothing",
    ),
    Exclusion("aws_config_config_rule", "AWS Config evaluations are not implemented by moto (profile default is off)"),
)
REFERENCE = re.compile(r"(?<![\w.])((?:data\.)?aws_[a-z0-9_]+\.[A-Za-z0-9_-]+)")


# Terraform type prefix -> the provider `endpoints` key of the service that serves it (longest prefix wins; None:
# computed locally, no API call). A type the table does not know stops the run: an endpoint left unset would send
# that call to real AWS with the emulator's dummy credentials.
ENDPOINT_OF = {
    "aws_athena_": "athena",
    "aws_caller_identity": "sts",
    "aws_cloudwatch_": "cloudwatch",
    "aws_cloudwatch_event_": "events",
    "aws_cloudwatch_log_": "cloudwatchlogs",
    "aws_config_": "configservice",
    "aws_db_": "rds",
    "aws_default_": "ec2",
    "aws_ec2_": "ec2",
    "aws_flow_log": "ec2",
    "aws_glue_": "glue",
    "aws_iam_": "iam",
    "aws_iam_policy_document": None,
    "aws_iot_": "iot",
    "aws_kinesis_": "kinesis",
    "aws_kms_": "kms",
    "aws_lakeformation_": "lakeformation",
    "aws_lambda_": "lambda",
    "aws_network_acl": "ec2",
    "aws_partition": None,
    "aws_rds_": "rds",
    "aws_region": None,
    "aws_route": "ec2",
    "aws_s3_": "s3",
    "aws_secretsmanager_": "secretsmanager",
    "aws_security_group": "ec2",
    "aws_sns_": "sns",
    "aws_sqs_": "sqs",
    "aws_ssm_": "ssm",
    "aws_subnet": "ec2",
    "aws_vpc": "ec2",
}


def endpoint_keys(document: dict) -> set[str]:
    """The provider endpoint keys every resource and data source of the stack needs (sts always: the account id)."""
    keys = {"sts"}
    unknown = []
    for section in ("resource", "data"):
        for rtype in document.get(section, {}):
            prefixes = [p for p in ENDPOINT_OF if rtype.startswith(p)]
            if not prefixes:
                unknown.append(rtype)
                continue
            key = ENDPOINT_OF[max(prefixes, key=len)]
            if key:
                keys.add(key)
    if unknown:
        raise ValueError(
            "the emulator target does not know which endpoint serves "
            + ", ".join(sorted(unknown))
            + ": add the type to ENDPOINT_OF in infra/deploy/local_target.py"
        )
    return keys


def emulator_provider(document: dict, endpoint: str) -> dict:
    """Every AWS provider block pointed at the emulator: each service's endpoint, dummy credentials, fail fast."""
    settings = {
        "access_key": "emulator",
        "secret_key": "emulator",  # not a secret: the emulator accepts any credentials
        "skip_credentials_validation": True,
        "skip_metadata_api_check": "true",
        "skip_requesting_account_id": False,  # the Athena workgroup ARN needs the account id
        "s3_use_path_style": True,
        "max_retries": 2,  # unimplemented emulator calls fail fast instead of hanging
        "endpoints": [{key: endpoint for key in sorted(endpoint_keys(document))}],
    }
    providers = document.get("provider", {}).get("aws")
    if not providers:
        raise ValueError("the synthesized stack has no AWS provider block to point at the emulator")
    for provider in providers:
        for credential in ("profile", "assume_role", "shared_credentials_files", "shared_config_files"):
            provider.pop(credential, None)
        provider.update(copy.deepcopy(settings))
    return document


def emulator_target(
    document: dict, endpoint: str, state_file: Path, unpublished: dict[str, str] | None = None
) -> tuple[dict, list[dict]]:
    """The copy of a synthesized stack that runs on the emulator, and what it left out (with why)."""
    local, removed = apply_exclusions(document, unpublished=unpublished)
    emulator_provider(local, endpoint)
    # Never a remote backend, never the real local state: the emulator's state lives with its run.
    local.setdefault("terraform", {})["backend"] = {"local": {"path": str(state_file)}}
    return local, removed


def references(config) -> set[str]:
    """Addresses (`aws_x.name`, `data.aws_x.name`) a configuration refers to, in expressions or depends_on."""
    found: set[str] = set()

    def walk(value, key: str | None = None) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                if k != "//":
                    walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif isinstance(value, str):
            if key == "depends_on":
                found.add(value)
            elif "${" in value:
                found.update(REFERENCE.findall(value))

    walk(config)
    return found


def apply_exclusions(
    document: dict, exclusions: tuple[Exclusion, ...] = EXCLUSIONS, unpublished: dict[str, str] | None = None
) -> tuple[dict, list[dict]]:
    """A copy of the stack without the excluded types, and what went with them: parameters that would publish
    an excluded resource's value, data sources reading a parameter an earlier stack's target left out
    (`unpublished`: parameter name -> why), and outputs naming any of these. Anything else still referring to
    what is gone raises: the emulator target never guesses a value."""
    local = copy.deepcopy(document)
    path_of = lambda config: config.get("//", {}).get("metadata", {}).get("path", "")  # noqa: E731
    gone: dict[str, dict] = {}
    for exclusion in exclusions:
        for name, config in (local.get("resource", {}).get(exclusion.resource_type) or {}).items():
            if exclusion.excludes(config):
                address = f"{exclusion.resource_type}.{name}"
                gone[address] = {"address": address, "construct_path": path_of(config), "reason": exclusion.reason}
    for name, config in (local.get("data", {}).get("aws_ssm_parameter") or {}).items():
        if config.get("name") in (unpublished or {}):
            address = f"data.aws_ssm_parameter.{name}"
            reason = f"reads {config['name']}, which {unpublished[config['name']]}"
            gone[address] = {"address": address, "construct_path": path_of(config), "reason": reason}
    for name, config in (local.get("resource", {}).get("aws_ssm_parameter") or {}).items():
        left_out = sorted(references(config) & set(gone))
        if left_out:
            address = f"aws_ssm_parameter.{name}"
            gone[address] = {
                "address": address,
                "construct_path": path_of(config),
                "reason": f"publishes a value of {', '.join(left_out)}, which the emulator target leaves out",
                "parameter": config.get("name", ""),
            }
    for address in gone:
        section = "data" if address.startswith("data.") else "resource"
        rtype, name = address.removeprefix("data.").split(".", 1)
        del local[section][rtype][name]
        if not local[section][rtype]:
            del local[section][rtype]
    removed = list(gone.values())
    for name, output in list((local.get("output") or {}).items()):
        left_out = sorted(references(output) & set(gone))
        if left_out:
            del local["output"][name]
            removed.append(
                {"address": f"output.{name}", "construct_path": "", "reason": f"names {', '.join(left_out)}"}
            )
    dangling = {
        f"{address} -> {ref}"
        for section, prefix in (("resource", ""), ("data", "data."))
        for rtype, items in local.get(section, {}).items()
        for name, config in items.items()
        for ref in references(config) & set(gone)
        for address in [f"{prefix}{rtype}.{name}"]
    }
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
        "aws_lakeformation_permissions",
        "terraform's revoke of a grant on moto never sees it gone and destroy loops (the grants are applied and "
        "tested on the emulator; the emulator is discarded with them)",
    ),
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


def exclusions_markdown() -> str:
    """docs/deploy.md's tables of what the emulator target leaves out and releases, generated from the lists above."""

    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    by_reason: dict[str, list[str]] = {}
    for exclusion in EXCLUSIONS:
        name = f"`{exclusion.resource_type}`"
        if exclusion.keep_paths:
            name += " (all but those under " + ", ".join(f"`{p}`" for p in exclusion.keep_paths) + ")"
        by_reason.setdefault(exclusion.reason, []).append(name)
    lines = ["| left out of the emulator target | why |", "|---|---|"]
    lines += [f"| {', '.join(names)} | {cell(reason)} |" for reason, names in by_reason.items()]
    lines += ["", "| applied, then released from the state before destroy | why |", "|---|---|"]
    for release in RELEASE_BEFORE_DESTROY:
        where = f" (under `{release.path_fragment}`)" if release.path_fragment else ""
        lines.append(f"| `{release.resource_type}`{where} | {cell(release.reason)} |")
    return "\n".join(lines) + "\n"
