"""After destroy: list every service the stack uses and report anything that still carries the suffix."""

from __future__ import annotations

import json
from collections.abc import Callable

from infra.deploy.emulator import client


def _names(endpoint: str, region: str) -> dict[str, Callable[[], list[str]]]:
    c = lambda service: client(service, endpoint, region)  # noqa: E731 - a short factory reads best here
    return {
        "s3 bucket": lambda: [b["Name"] for b in c("s3").list_buckets().get("Buckets", [])],
        "kinesis stream": lambda: c("kinesis").list_streams().get("StreamNames", []),
        "kms alias": lambda: [a["AliasName"] for a in c("kms").list_aliases()["Aliases"]],
        "iam role": lambda: [r["RoleName"] for r in c("iam").list_roles()["Roles"]],
        "rds cluster": lambda: [d["DBClusterIdentifier"] for d in c("rds").describe_db_clusters()["DBClusters"]],
        "rds parameter group": lambda: [
            g["DBClusterParameterGroupName"]
            for g in c("rds").describe_db_cluster_parameter_groups()["DBClusterParameterGroups"]
        ],
        "glue job": lambda: [j["Name"] for j in c("glue").get_jobs()["Jobs"]],
        "glue connection": lambda: [n["Name"] for n in c("glue").get_connections()["ConnectionList"]],
        "glue database": lambda: [d["Name"] for d in c("glue").get_databases()["DatabaseList"]],
        "glue security configuration": lambda: [
            s["Name"] for s in c("glue").get_security_configurations()["SecurityConfigurations"]
        ],
        "secret": lambda: [s["Name"] for s in c("secretsmanager").list_secrets()["SecretList"]],
        "lambda function": lambda: [f["FunctionName"] for f in c("lambda").list_functions()["Functions"]],
        "log group": lambda: [g["logGroupName"] for g in c("logs").describe_log_groups()["logGroups"]],
        "alarm": lambda: [a["AlarmName"] for a in c("cloudwatch").describe_alarms()["MetricAlarms"]],
        "dashboard": lambda: [d["DashboardName"] for d in c("cloudwatch").list_dashboards()["DashboardEntries"]],
        "sns topic": lambda: [t["TopicArn"] for t in c("sns").list_topics()["Topics"]],
        "athena workgroup": lambda: [w["Name"] for w in c("athena").list_work_groups()["WorkGroups"]],
        "iot policy": lambda: [p["policyName"] for p in c("iot").list_policies()["policies"]],
        "iot thing type": lambda: [t["thingTypeName"] for t in c("iot").list_thing_types()["thingTypes"]],
        "ssm parameter": lambda: [p["Name"] for p in c("ssm").describe_parameters(MaxResults=50)["Parameters"]],
        "eventbridge rule": lambda: [r["Name"] for r in c("events").list_rules()["Rules"]],
        "vpc": lambda: [
            v["VpcId"]
            for v in c("ec2").describe_vpcs()["Vpcs"]
            if not v.get("IsDefault") and any(t["Key"] == "Environment" for t in v.get("Tags", []))
        ],
    }


def leftovers(
    endpoint: str,
    region: str,
    suffix: str,
    ignore_secret_names: set[str] | None = None,
    released_names: set[str] | None = None,
    names: set[str] | None = None,
) -> list[str]:
    """'kind: name' for everything of ours still present: carrying the suffix, or one of `names` (the literal
    names the stacks gave, such as the baseline's account-wide AWSIotLogsV2). KMS keys only pend deletion, so
    their aliases are checked."""
    found = []
    markers = {suffix, suffix.lower(), suffix.replace("-", "_"), suffix.lower().replace("_", "-")}
    for kind, list_names in _names(endpoint, region).items():
        try:
            present = list_names()
        except Exception as error:  # an emulator gap: say so rather than pass silently
            found.append(f"{kind}: could not list ({type(error).__name__})")
            continue
        for name in present:
            if kind == "secret" and name in (ignore_secret_names or set()):
                continue
            if name in (released_names or set()):  # released before destroy: reported in the run, not here
                continue
            if kind == "vpc" or name in (names or set()) or any(marker in name for marker in markers):
                found.append(f"{kind}: {name}")
    return found


# Account-wide settings the emulator serves (one per account and region): an environment's apply and destroy must
# leave them as they were. IoT logging options are account-wide too, but moto does not serve them.
SINGLETON_TYPES = ("aws_lakeformation_data_lake_settings", "aws_glue_data_catalog_encryption_settings")


def account_singletons(endpoint: str, region: str) -> dict:
    """The account's Lake Formation settings and Glue catalog encryption, as the emulator reports them."""
    c = lambda service: client(service, endpoint, region)  # noqa: E731
    return {
        "aws_lakeformation_data_lake_settings": c("lakeformation").get_data_lake_settings()["DataLakeSettings"],
        "aws_glue_data_catalog_encryption_settings": c("glue").get_data_catalog_encryption_settings()[
            "DataCatalogEncryptionSettings"
        ],
    }


def changed_singletons(before: dict, after: dict) -> list[str]:
    """'type: before -> after' for every singleton that differs."""
    return [
        f"{kind}: {json.dumps(before.get(kind), sort_keys=True)} -> {json.dumps(after.get(kind), sort_keys=True)}"
        for kind in sorted(set(before) | set(after))
        if before.get(kind) != after.get(kind)
    ]
