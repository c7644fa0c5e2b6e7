"""Break one thing per category in the real stack: synth with Guardrails and the gate must both fail, naming it."""

from __future__ import annotations

import json

import pytest

from compliance.gate import failed, scan


def _build(tmp_path, mutate, guardrails):
    from infra.app import build_app
    from infra.config import load_config

    app, stack = build_app(load_config({}, {}, {"environment_suffix": "mut"}), str(tmp_path), guardrails=guardrails)
    mutate(stack)
    return app, stack


def _open_iam(stack):
    statement = {"Effect": "Allow", "Action": "*", "Resource": "*"}
    policy = stack.processing.role.node.scope.node.find_child("job-role-policy")
    policy.add_override("policy", json.dumps({"Version": "2012-10-17", "Statement": [statement]}))


def _drop_owner_tag(stack):
    from infra import aws

    tags = {k: v for k, v in stack.config.tags().items() if k != "Owner"}
    stack.provider.default_tags = [aws.AwsProviderDefaultTags(tags=tags)]


MUTATIONS = {
    "encryption": (lambda s: s.lines[0].stream.add_override("encryption_type", "NONE"), "KIN-ENC-001", "line-1/stream"),
    "privilege": (_open_iam, "IAM-LP-001", "processing/job-role-policy"),
    "tagging": (_drop_owner_tag, "TAG-REQ-001", "lake/raw/bucket"),
    "transport": (
        lambda s: s.database.parameter_group.add_override("parameter", [{"name": "rds.force_ssl", "value": "0"}]),
        "RDS-TLS-001",
        "database/cluster",
    ),
    "logging": (lambda s: s.lines[0].rule.add_override("error_action", None), "IOT-ERR-001", "line-1/rule"),
    "secrets": (
        lambda s: s.database.cluster.add_override("master_password", "Sup3rS3cret!"),
        "SEC-PLAIN-001",
        "database/cluster",
    ),
    "resilience": (
        lambda s: s.database.cluster.add_override("deletion_protection", True),
        "DES-EPH-001",
        "database/cluster",
    ),
}


@pytest.mark.parametrize("category", sorted(MUTATIONS))
def test_mutation_fails_synth_and_gate(category, tmp_path, ephemeral):
    from infra.synth import SynthFailed, synth

    mutate, rule_id, path = MUTATIONS[category]
    app, _ = _build(tmp_path / "guarded", mutate, guardrails=True)
    with pytest.raises(SynthFailed) as failure:
        synth(app)
    assert any(rule_id in message and path in message for _, message in failure.value.findings), failure.value.raw

    app, _ = _build(tmp_path / "bare", mutate, guardrails=False)
    synth(app)
    result = scan(tmp_path / "bare", "ephemeral")
    hits = [f for f in failed(result) if f["rule_id"] == rule_id and path in f["construct_path"]]
    assert hits, f"gate did not fail {rule_id} on {path}"
