"""IoT Core: the device endpoint and its TLS policy, what policy variables and rule SQL really do."""

from __future__ import annotations

import json
import re

from infra.capacity import IOT_PUBLISHES_PER_CONNECTION, plan_stream
from policies.rules.iot.tls_policy import TLS12_POLICIES


def test_devices_connect_to_the_baselines_tls12_endpoint_never_an_environments(ephemeral, baseline):
    """AWS: https://docs.aws.amazon.com/iot/latest/apireference/API_UpdateDomainConfiguration.html - domain
    configurations for default endpoints can't be updated (so the default iot:Data-ATS endpoint's TLS policy cannot
    be set); https://docs.aws.amazon.com/iot/latest/developerguide/iot-custom-endpoints-managing.html - an
    AWS-managed domain must stay DISABLED for 7 days before it can be deleted, so no environment may own one."""
    assert "aws_iot_domain_configuration" not in ephemeral.document["resource"]
    assert "aws_iot_endpoint" not in ephemeral.document.get("data", {})
    domains = list(baseline.resources("aws_iot_domain_configuration").values())
    assert len(domains) == 1
    assert domains[0]["tls_config"]["security_policy"] in TLS12_POLICIES and domains[0]["service_type"] == "DATA"
    assert "${nonsensitive(data.aws_ssm_parameter." in ephemeral.document["output"]["iotEndpoint"]["value"]


def test_domain_configuration_names_avoid_the_reserved_prefix(baseline):
    """AWS: https://docs.aws.amazon.com/iot/latest/developerguide/iot-custom-endpoints-configurable-aws.html -
    names that start with IoT: are reserved for default endpoints; names match [\\w.:-]+ of 1 to 128 characters
    (https://docs.aws.amazon.com/iot/latest/apireference/API_CreateDomainConfiguration.html)."""
    for domain in baseline.resources("aws_iot_domain_configuration").values():
        assert not domain["name"].lower().startswith("iot:")
        assert re.fullmatch(r"[\w.:-]{1,128}", domain["name"])


def test_the_device_policy_binds_each_device_to_its_registry_entry(ephemeral):
    """AWS: https://docs.aws.amazon.com/iot/latest/developerguide/thing-policy-variables.html - thing policy
    variables resolve only when the connecting client's certificate is attached to the thing
    (iot:Connection.Thing.IsAttached); an attribute the thing lacks leaves the variable unresolved and the statement
    grants nothing. Terraform needs $${...} to keep ${...} literal."""
    policy = json.loads(next(iter(ephemeral.resources("aws_iot_policy").values()))["policy"])
    connect = next(s for s in policy["Statement"] if s["Action"] == "iot:Connect")
    assert connect["Condition"] == {"Bool": {"iot:Connection.Thing.IsAttached": "true"}}
    assert connect["Resource"].endswith(":client/$${iot:Connection.Thing.ThingName}")
    publish = next(s for s in policy["Statement"] if s["Action"] == "iot:Publish")["Resource"]
    assert ":topic/factory/$${iot:Connection.Thing.Attributes[production_line]}/" in publish
    assert publish.endswith("/$${iot:Connection.Thing.ThingName}/telemetry")
    assert "*" not in publish and "+" not in publish and "#" not in publish


def test_what_the_where_clause_drops_goes_to_quarantine(ephemeral):
    """AWS: https://docs.aws.amazon.com/iot/latest/developerguide/iot-sql-where.html - a message whose WHERE
    condition is not true is not acted on (silently: the error action fires only when an action fails,
    https://docs.aws.amazon.com/iot/latest/developerguide/rule-error-handling.html); an undefined field in a
    comparison is undefined, so every rule that filters needs an exact complement written with isString()."""
    rules = list(ephemeral.resources("aws_iot_topic_rule").values())
    filtering = [r for r in rules if " WHERE " in r["sql"] and not r["sql"].split(" WHERE ", 1)[1].startswith("NOT (")]
    assert filtering
    for rule in filtering:
        source, where = rule["sql"].split(" FROM ", 1)[1].split(" WHERE ", 1)
        complement = [r for r in rules if r["sql"].endswith(f"FROM {source} WHERE NOT ({where})")]
        assert len(complement) == 1, rule["name"]
        assert complement[0]["s3"] and complement[0]["error_action"]
        assert "isString(production_line)" in where and "isString(device_id)" in where


def test_rule_sql_templates_survive_terraform(ephemeral):
    """AWS: https://docs.aws.amazon.com/iot/latest/developerguide/iot-substitution-templates.html - ${...}
    substitution templates in action fields (partition keys, S3 keys) must reach IoT literally; Terraform reads
    ${...} as its own interpolation unless written $${...}."""
    for rule in ephemeral.resources("aws_iot_topic_rule").values():
        text = json.dumps(rule)
        assert not re.search(r"(?<!\$)\$\{(topic|newuuid|parse_time|timestamp)\(", text), rule["name"]
        assert "$${topic(3)}" in text


def test_enough_connections_for_the_publish_rate():
    """AWS: https://docs.aws.amazon.com/general/latest/gr/iot-core.html - 100 publish requests per second per
    connection: 10,000 events/s need at least 100 device connections."""
    plan = plan_stream(10_000, 1_024)
    assert plan.min_device_connections * IOT_PUBLISHES_PER_CONNECTION >= 10_000
