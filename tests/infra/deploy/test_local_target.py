"""The emulator target (infra/deploy/local_target.py): a copy of a synthesized stack pointed at the emulator, minus
what the emulator cannot create, and what it releases before destroy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.deploy.local_target import (
    ENDPOINT_OF,
    EXCLUSIONS,
    RELEASE_BEFORE_DESTROY,
    Exclusion,
    apply_exclusions,
    emulator_target,
    endpoint_keys,
    releases,
)
from tests.conftest import synthesize
from tests.deployability.conftest import baseline  # noqa: F401 - the account baseline, synthesized once


def test_emulator_target_is_a_pointed_copy(ephemeral, production, tmp_path):
    """The real stack carries no endpoint, credential or emulator setting; the copy points every service the
    stack calls at the emulator and keeps its state beside the run, whatever backend the real stack uses."""
    for stack in (ephemeral, production):
        provider = stack.document["provider"]["aws"][0]
        assert not {"endpoints", "access_key", "secret_key", "skip_credentials_validation"} & set(provider)
    before = json.dumps(ephemeral.document, sort_keys=True)
    local, removed = emulator_target(ephemeral.document, "http://127.0.0.1:4566", tmp_path / "s.tfstate")
    assert json.dumps(ephemeral.document, sort_keys=True) == before  # a copy: the synth output is untouched
    provider = local["provider"]["aws"][0]
    endpoints = provider["endpoints"][0]
    assert set(endpoints.values()) == {"http://127.0.0.1:4566"}
    assert {"kinesis", "s3", "kms", "iam", "sts", "glue", "rds", "lakeformation", "lambda"} <= set(endpoints)
    assert provider["access_key"] == "emulator" and provider["max_retries"] == 2
    assert provider["default_tags"] == ephemeral.document["provider"]["aws"][0]["default_tags"]
    assert local["terraform"]["backend"] == {"local": {"path": str(tmp_path / "s.tfstate")}}
    assert removed and all(r["reason"] for r in removed)


def test_emulator_target_never_keeps_a_remote_backend_or_profile(tmp_path_factory, tmp_path):
    stack = synthesize(tmp_path_factory, "s3target", backend="s3", state_bucket="team-tf-state")
    document = json.loads(json.dumps(stack.document))
    document["provider"]["aws"][0]["profile"] = "prod-admin"
    local, _ = emulator_target(document, "http://127.0.0.1:1", tmp_path / "x.tfstate")
    assert list(local["terraform"]["backend"]) == ["local"] and "profile" not in local["provider"]["aws"][0]


def test_every_type_needs_a_known_endpoint():
    assert endpoint_keys({"resource": {"aws_cloudwatch_log_group": {}}, "data": {"aws_partition": {}}}) == {
        "sts",
        "cloudwatchlogs",
    }
    assert endpoint_keys({"resource": {"aws_cloudwatch_metric_alarm": {}}}) == {"sts", "cloudwatch"}
    with pytest.raises(ValueError, match="aws_shield_protection: add the type to ENDPOINT_OF"):
        endpoint_keys({"resource": {"aws_shield_protection": {}}})
    with pytest.raises(ValueError, match="no AWS provider block"):
        emulator_target({"resource": {}}, "http://127.0.0.1:1", Path("x"))
    assert all(key is None or key.islower() for key in ENDPOINT_OF.values())


def test_releases_pick_only_the_listed_resources():
    document = {
        "resource": {
            "aws_glue_connection": {"c": {"name": "conn", "//": {"metadata": {"path": "s/processing/vpc"}}}},
            "aws_secretsmanager_secret_rotation": {
                "db": {"//": {"metadata": {"path": "s/database/secret-rotation"}}},
                "api": {"//": {"metadata": {"path": "s/mes-api-key/rotation"}}},
            },
        }
    }
    state = ["aws_glue_connection.c", "aws_secretsmanager_secret_rotation.db", "aws_secretsmanager_secret_rotation.api"]
    found = releases(state, document)
    assert [r["address"] for r in found] == ["aws_glue_connection.c", "aws_secretsmanager_secret_rotation.db"]
    assert found[0]["name"] == "conn" and all(r["reason"] for r in found)
    assert releases([], document) == []


def test_exclusions_remove_types_and_refuse_dangling_references(ephemeral):
    local, removed = apply_exclusions(ephemeral.document)
    removed_types = {r["address"].split(".")[0] for r in removed if not r["address"].startswith("output.")}
    assert removed_types <= {e.resource_type for e in EXCLUSIONS}
    assert "aws_iot_topic_rule" in removed_types and all(r["reason"] for r in removed)
    dropped_outputs = {r["address"] for r in removed if r["address"].startswith("output.")}
    assert dropped_outputs == {"output.iotPolicyName", "output.iotThingTypeName"}  # no domain configuration here
    kept_policies = local["resource"]["aws_s3_bucket_policy"]
    assert [c["//"]["metadata"]["path"].split("/")[-2] for c in kept_policies.values()] == ["access-logs"]
    assert "aws_kinesis_stream" in local["resource"] and "aws_iot_topic_rule" not in local["resource"]
    assert "aws_iot_topic_rule" in ephemeral.document["resource"]  # the real stack is untouched
    with pytest.raises(ValueError, match="still references excluded resources"):
        apply_exclusions(ephemeral.document, (Exclusion("aws_kinesis_stream", "test"),))


def test_what_the_baseline_cannot_publish_goes_with_what_reads_it(baseline, ephemeral):  # noqa: F811
    """The baseline's target leaves out the device domain configuration, so the parameters publishing its values
    go too; the environment's data sources reading those parameters, and the output naming them, follow."""
    _, removed = apply_exclusions(baseline.document)
    gone = {r["address"].split(".")[0] for r in removed}
    assert {"aws_iot_domain_configuration", "aws_iot_logging_options", "aws_ssm_parameter"} <= gone
    unpublished = {r["parameter"]: "the baseline's target leaves out" for r in removed if "parameter" in r}
    assert len(unpublished) == 2 and all(name.startswith("/iotsp/account-baseline/") for name in unpublished)
    alone, _ = apply_exclusions(ephemeral.document)  # alone, the environment cannot know: its readers stay
    assert len(alone["data"]["aws_ssm_parameter"]) == 2
    local, env_removed = apply_exclusions(ephemeral.document, unpublished=unpublished)
    readers = [r for r in env_removed if r["address"].startswith("data.aws_ssm_parameter.")]
    assert len(readers) == 2 and all("the baseline's target leaves out" in r["reason"] for r in readers)
    assert "output.iotEndpoint" in {r["address"] for r in env_removed} and "iotEndpoint" not in local["output"]


def test_grants_are_applied_on_the_emulator_and_released_before_destroy(ephemeral):
    local, _ = apply_exclusions(ephemeral.document)
    assert local["resource"]["aws_lakeformation_permissions"]  # tested there (tests/integration)
    assert "aws_lakeformation_permissions" in {r.resource_type for r in RELEASE_BEFORE_DESTROY}
    assert not {r.resource_type for r in RELEASE_BEFORE_DESTROY} & {e.resource_type for e in EXCLUSIONS}
