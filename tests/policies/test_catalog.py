"""The control catalog: complete, well-formed, every Checkov AWS built-in classified once (under a control or in
`warnings`), and a broken one is refused with a clear one-line message."""

from __future__ import annotations

import copy
import json
import re

import pytest
import yaml

from compliance.__main__ import main
from policies import builtins
from policies.builtins import Builtin
from policies.catalog import CATALOG, CatalogError, default_catalog, parse_catalog
from policies.engine import NO_CONTROL, _classify, judge_stack, unmapped_reason
from policies.fixtures import doc
from policies.model import StackView
from policies.profiles import PROFILES
from policies.rulebook import all_rules, rules_page

FORMATS = {
    "iec62443": r"^SR [1-7]\.\d{1,2}$",
    "nist80053": r"^[A-Z]{2}-\d{1,2}(\(\d{1,2}\))?$",
    "securityhub": r"^(S3|Kinesis|RDS|SNS|KMS|IAM|EC2|SecretsManager|CloudWatch|ECS|CodeBuild)\.\d{1,3}$",
    "config": r"^[A-Z][A-Z0-9_]+[A-Z0-9]$",
}


def test_every_rule_maps_to_a_control_and_every_control_is_enforced():
    catalog = default_catalog()
    unmapped = [r.id for r in all_rules() if not catalog.controls_for(r.id)]
    assert not unmapped, f"rules without a control: {unmapped}"
    for control in catalog.controls:
        assert control.rules or control.checkov, f"{control.id} has nothing enforcing it"
    # A twin tests part of its rule's control: it is mapped to it as well.
    for rule in all_rules():
        for twin in rule.covers:
            assert set(catalog.controls_for(rule.id)) & set(catalog.controls_for(twin)), (rule.id, twin)


def test_a_builtin_takes_the_category_and_severity_of_its_highest_control():
    catalog = default_catalog()
    assert catalog.category_of("CKV_AWS_145") == "encryption" and catalog.severity_of("CKV_AWS_145") == "high"
    assert catalog.category_of("CKV_AWS_116") is None and catalog.severity_of("CKV_AWS_116") is None  # a warning
    for control in catalog.controls:
        for check_id in control.checkov:
            severities = [catalog.control(c).severity for c in catalog.controls_for(check_id)]
            assert catalog.severity_of(check_id) == min(severities, key=["critical", "high", "medium", "low"].index)


# What the issue names as mission-relevant ("unencrypted, over-privileged or public"), and where each fails.
MISSION = {
    "CKV_AWS_20": "CTL-NET-01",  # S3 ACL: public read
    "CKV_AWS_57": "CTL-NET-01",  # S3 ACL: public write
    "CKV_AWS_53": "CTL-NET-01",  # public access block: block_public_acls
    "CKV_AWS_54": "CTL-NET-01",  # block_public_policy
    "CKV_AWS_55": "CTL-NET-01",  # ignore_public_acls
    "CKV_AWS_56": "CTL-NET-01",  # restrict_public_buckets
    "CKV_AWS_301": "CTL-IAM-01",  # Lambda permission for principal "*"
    "CKV_AWS_102": "CTL-NET-01",  # Neptune instance publicly accessible
    "CKV_AWS_302": "CTL-IAM-01",  # DB snapshot shared with "all" (an access grant, like CKV_AWS_205)
    "CKV_AWS_58": "CTL-ENC-01",  # EKS secrets encryption
    "CKV_AWS_38": "CTL-NET-01",  # EKS public endpoint open to 0.0.0.0/0
    "CKV_AWS_39": "CTL-NET-01",  # EKS public endpoint
    "CKV_AWS_83": "CTL-TLS-01",  # Elasticsearch/OpenSearch enforces HTTPS
    "CKV_AWS_206": "CTL-TLS-01",  # API Gateway domain TLS policy
    "CKV_AWS_210": "CTL-WKL-01",  # Batch privileged container
    "CKV_AWS_316": "CTL-WKL-01",  # CodeBuild privileged mode
    "CKV_AWS_334": "CTL-WKL-01",  # ECS privileged container
}


def test_every_aws_builtin_is_classified_in_exactly_one_place():
    catalog = default_catalog()
    aws = {b.id for b in builtins.catalog().values() if b.aws}
    assert len(aws) >= 456, len(aws)  # Checkov 3.3.30: 376 Python and 80 graph checks
    twice = sorted(i for i in aws if len(catalog.controls_for(i)) + (i in catalog.warnings) > 1)
    assert not twice, f"classified in more than one place: {twice}"
    assert set(catalog.warnings) <= aws, sorted(set(catalog.warnings) - aws)


def test_an_aws_builtin_nobody_classified_fails_naming_it():
    """A Checkov upgrade that brings an AWS check fails here, naming it, until it is classified."""
    catalog = default_catalog()
    unclassified = catalog.unclassified(builtins.catalog().values())
    assert not unclassified, (
        f"Checkov AWS built-ins nobody classified: {unclassified}; list each under a control's `checkov` in "
        "compliance/catalog.yaml (it fails) or under `warnings` with a one-line reason (it warns)"
    )
    upgrade = [Builtin("CKV2_AWS_999", "a check of a newer Checkov", ("GENERAL_SECURITY",), "graph", ())]
    upgrade += [Builtin("CKV_GCP_999", "not AWS: the catalog need not classify it", ("GENERAL_SECURITY",), "graph", ())]
    assert catalog.unclassified([*builtins.catalog().values(), *upgrade]) == ["CKV2_AWS_999"]
    assert _classify("CKV2_AWS_999", "low", PROFILES["production"], catalog) == ("warning", NO_CONTROL)


@pytest.mark.parametrize(("check_id", "control"), sorted(MISSION.items()))
def test_mission_relevant_builtins_fail_through_a_control(check_id, control):
    catalog = default_catalog()
    assert catalog.controls_for(check_id) == [control] and check_id not in catalog.warnings
    for profile in PROFILES.values():
        assert _classify(check_id, catalog.severity_of(check_id), profile, catalog) == ("failed", ""), profile.name


def _exposed_stack():
    """One resource of each kind the mission names, written the insecure way."""
    privileged = json.dumps([{"name": "app", "image": "nginx", "essential": True, "privileged": True}])
    bucket = "${aws_s3_bucket.b.id}"
    flags = ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
    wide_open = dict.fromkeys(flags, False)
    eks_vpc = {"subnet_ids": ["subnet-1"], "public_access_cidrs": ["0.0.0.0/0"]}
    codebuild = {
        "compute_type": "BUILD_GENERAL1_SMALL",
        "image": "i",
        "type": "LINUX_CONTAINER",
        "privileged_mode": True,
    }
    return doc(
        {
            "aws_s3_bucket": {"b": {"bucket": "b"}},
            "aws_s3_bucket_acl": {"b": {"bucket": bucket, "acl": "public-read-write"}},
            "aws_s3_bucket_public_access_block": {"b": {"bucket": bucket, **wide_open}},
            "aws_lambda_permission": {"p": {"action": "lambda:InvokeFunction", "function_name": "f", "principal": "*"}},
            "aws_db_snapshot": {
                "s": {"db_instance_identifier": "d", "db_snapshot_identifier": "s", "shared_accounts": ["all"]}
            },
            "aws_neptune_cluster_instance": {
                "n": {"cluster_identifier": "c", "instance_class": "db.r5.large", "publicly_accessible": True}
            },
            "aws_eks_cluster": {
                "k": {"name": "k", "role_arn": "arn:aws:iam::111122223333:role/k", "vpc_config": eks_vpc}
            },
            "aws_opensearch_domain": {"o": {"domain_name": "o", "domain_endpoint_options": {"enforce_https": False}}},
            "aws_api_gateway_domain_name": {"d": {"domain_name": "api.example.com", "security_policy": "TLS_1_0"}},
            "aws_ecs_task_definition": {"t": {"family": "t", "container_definitions": privileged}},
            "aws_codebuild_project": {
                "c": {
                    "name": "c",
                    "service_role": "r",
                    "artifacts": {"type": "NO_ARTIFACTS"},
                    "source": {"type": "NO_SOURCE", "buildspec": "version: 0.2"},
                    "environment": codebuild,
                }
            },
            "aws_batch_job_definition": {
                "j": {
                    "name": "j",
                    "type": "container",
                    "container_properties": json.dumps({"image": "i", "privileged": True}),
                }
            },
        }
    )


def test_a_stack_with_what_the_mission_names_fails_each_through_its_control():
    """Through the engine the gate runs: each mission-relevant built-in fails with its control, the hygiene check on
    the same stack only warns; ECS-PRIV-001 judges the privileged ECS container Checkov cannot see."""
    view = StackView(_exposed_stack(), "fixture")
    outcomes = judge_stack(view, builtins.run(view.judged_document, {*MISSION, "CKV2_AWS_61"}), "ephemeral")
    failed = {o.id: o.controls for o in outcomes if o.status == "failed"}
    # a built-in a rule covers fails folded into the rule's finding, on the rule's control ("also: CKV_AWS_302")
    folded = {i: o.controls for o in outcomes if o.status == "failed" for i in o.also}
    blind = {"CKV_AWS_334"}  # Checkov reads `privilege`, and not from JSON text: see ECS-PRIV-001's replacement
    assert {i: c for i, c in failed.items() if i.startswith("CKV")} | folded == {
        i: (c,) for i, c in MISSION.items() if i not in blind
    }
    assert folded == {"CKV_AWS_302": ("CTL-IAM-01",)}
    assert failed["ECS-PRIV-001"] == ("CTL-WKL-01",)
    lifecycle = next(o for o in outcomes if o.id == "CKV2_AWS_61")
    assert (lifecycle.status, lifecycle.reason) == ("warning", unmapped_reason("CKV2_AWS_61", default_catalog()))


def test_hygiene_warns_with_its_reason_and_never_fails():
    catalog = default_catalog()
    reason = catalog.warning_reason("CKV2_AWS_61")
    assert reason and "lifecycle" in reason and not catalog.controls_for("CKV2_AWS_61")  # no longer CTL-RES-01
    for profile in PROFILES.values():
        assert _classify("CKV2_AWS_61", "critical", profile, catalog) == ("warning", f"warning: {reason}")
    assert unmapped_reason("CKV2_AWS_61", catalog) == f"warning: {reason}"
    assert all(len(r) >= 10 and "\n" not in r for r in catalog.warnings.values())


def test_the_rules_page_shows_the_classification_and_its_counts():
    catalog = default_catalog()
    page = rules_page()
    aws = [b for b in builtins.catalog().values() if b.aws]
    assert f"| total | | {len(aws)} |" in page and f"| warnings | never fails | {len(catalog.warnings)} |" in page
    for control in catalog.controls:
        assert f"| {control.id} | {control.severity} | {len(control.checkov)} |" in page
        assert f"| {control.id} | {', '.join(control.checkov) or '-'} |" in page
    for check_id, reason in catalog.warnings.items():
        assert f"| {check_id} | " in page and reason in page, check_id


def test_identifiers_match_their_framework_formats():
    for control in default_catalog().controls:
        for framework, pattern in FORMATS.items():
            for identifier in control.mappings[framework]:
                assert re.match(pattern, identifier), f"{control.id}: {framework} id {identifier!r}"


def _document():
    return yaml.safe_load(CATALOG.read_text())


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["controls"][0].update(rules=["NOPE-ABC-001"]), "unknown rule"),
        (lambda d: d["controls"][0].update(checkov=["CKV_AWS_99999"]), "unknown Checkov check"),
        (lambda d: d["controls"][0].update(severity="severe"), "severity"),
        (lambda d: d["controls"][0]["mappings"].update(nist80053=["sc8"]), "nist80053"),
        (lambda d: d["controls"][0]["mappings"].update(iec62443=["SR 9.1"]), "iec62443"),
        (lambda d: d["controls"][1].update(id=d["controls"][0]["id"]), "duplicate"),
        (lambda d: d["controls"][0].pop("objective"), "objective"),
        (lambda d: d["controls"][0].update(category="availability"), "category"),
        (lambda d: d["controls"][0].pop("category"), "category"),
        (lambda d: d["warnings"].update(CKV_AWS_145="encryption is hygiene"), "CKV_AWS_145 under CTL-ENC-01"),
        (lambda d: d["warnings"].update(CKV_AWS_99999="a check Checkov never shipped"), "unknown Checkov check"),
        (lambda d: d["warnings"].update(CKV2_AWS_61="cost"), "warnings/CKV2_AWS_61"),  # reason under 10 characters
        (lambda d: d["warnings"].update(CKV2_AWS_61="two\nlines of reason"), "warnings/CKV2_AWS_61"),
        (lambda d: d["warnings"].update({"S3 lifecycle": "not a check id at all"}), "warnings"),
    ],
)
def test_broken_catalogs_are_refused_clearly(mutate, message):
    document = copy.deepcopy(_document())
    mutate(document)
    with pytest.raises(CatalogError, match=message) as refused:
        parse_catalog(document)
    assert "\n" not in str(refused.value)


def test_gate_exits_2_on_a_dangling_catalog(ephemeral, tmp_path, capsys):
    document = _document()
    document["controls"][0]["rules"].append("GONE-RULE-001")
    broken = tmp_path / "catalog.yaml"
    broken.write_text(yaml.safe_dump(document))
    assert main(["check", str(ephemeral.outdir), "--out", str(tmp_path / "r"), "--catalog", str(broken)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "GONE-RULE-001" in err and "\n" not in err
