"""One evaluation path: the Aspect (at synth) and the gate (over the synthesized files) give the same outcomes for
the same stack: applies_to, covered built-ins folded, replacements, suppressions by Terraform address, thresholds,
warnings and waivers. Each case synthesizes its fixture twice (with and without Guardrails) and gates the
unguarded output, so the two engines judge the same document."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from compliance.__main__ import main
from compliance.findings import outcome_of, problem_findings
from compliance.gate import scan
from policies import suppress
from policies.catalog import CATALOG, default_catalog, parse_catalog
from policies.engine import NO_CONTROL, builtin_ids, unmapped_reason
from policies.fixtures import CALLER, KEY_REF, ROOT, as_json, bucket, doc, document_source, merge
from policies.fixtures import policy as document_of
from policies.profiles import PROFILES
from policies.rules.s3.tls_only_fixtures import tls
from tests.fixture_stacks import build

# A customer-managed key with AWS's default key policy statement (the account root, kms:*), rotated.
KEY = {
    "aws_kms_key": {
        "k": {
            "enable_key_rotation": True,
            "deletion_window_in_days": 7,
            "policy": as_json(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "Root",
                            "Effect": "Allow",
                            "Action": "kms:*",
                            "Resource": "*",
                            "Principal": {
                                "AWS": "arn:${data.aws_partition.p.partition}:iam::"
                                "${data.aws_caller_identity.me.account_id}:root"
                            },
                        }
                    ],
                }
            ),
        }
    }
}
ROLE = {
    "assume_role_policy": as_json(
        document_of({"Effect": "Allow", "Principal": {"Service": "glue.amazonaws.com"}, "Action": "sts:AssumeRole"})
    )
}


def _suppress(stack, suppressions):
    for address, rule_id, applies_to in suppressions:
        construct = stack.node.find_child(address)
        suppress(construct, rule_id, reason="fixture: what this test says is accepted", applies_to=applies_to)


def problem_lines(result):
    return [outcome_of(f).line() for f in problem_findings(result["findings"])]


def both(document, tmp_path: Path, suppressions=(), profile="ephemeral", catalog=None):
    """(outcomes at synth, findings of the gate, synth raised?, gate exit code) for one fixture document."""
    from infra.synth import SynthFailed, synth
    from policies import guard

    tmp_path.mkdir(parents=True, exist_ok=True)
    app, stack = build(document, str(tmp_path / "guarded"))
    _suppress(stack, suppressions)
    guardrails = guard(app, profile=profile, catalog=catalog)
    try:
        synth(app)
        failed_synth = False
    except SynthFailed:
        failed_synth = True
    outcomes = guardrails.findings[stack.node.id]
    app, stack = build(document, str(tmp_path / "bare"))
    _suppress(stack, suppressions)
    synth(app)
    result = scan(tmp_path / "bare", profile, catalog)
    code = 1 if any(f["status"] == "failed" for f in result["findings"]) else 0
    return outcomes, result, failed_synth, code


def _same(outcomes, result, catalog=None, profile="ephemeral"):
    """The two engines agree on every outcome (id, address, status, folded built-ins, reason) of our rules and of
    the built-ins the Aspect runs; the gate's other built-ins can only pass or warn why no control maps them (the
    catalog's `warnings` reason, or that nobody classified them)."""
    catalog = catalog or default_catalog()
    synth_ids = builtin_ids("synth", profile, catalog)
    at_synth = {(o.id, o.address, o.status, o.also, o.reason) for o in outcomes}
    gated = {(f["rule_id"], f["resource"], f["status"], tuple(f["also"]), f["reason"]) for f in result["findings"]}
    shared = {g for g in gated if not g[0].startswith("CKV") or g[0] in synth_ids}
    assert shared == at_synth, (sorted(shared - at_synth)[:5], sorted(at_synth - shared)[:5])
    assert all(
        g[2] == "passed" or (g[2], g[4]) == ("warning", unmapped_reason(g[0], catalog)) for g in gated - shared
    ), sorted(gated - shared)


def _two_statements():
    statements = [
        {"Sid": "Objects", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"},
        {"Sid": "Records", "Effect": "Allow", "Action": "kinesis:PutRecord", "Resource": "*"},
    ]
    resources = {
        "aws_iam_role": {"r": ROLE},
        "aws_iam_role_policy": {"p": {"role": "r", "policy": as_json(document_of(*statements))}},
    }
    return doc(resources, CALLER)


@pytest.mark.parametrize(
    ("applies_to", "status", "left"),
    [
        (["resources"], "failed", {"s3:PutObject", "kinesis:PutRecord"}),  # a word in a message silences nothing
        (["s3:putobject"], "failed", {"kinesis:PutRecord"}),  # exact, case-insensitive: only that statement
        (["s3:PutObject", "kinesis:PutRecord"], "suppressed", set()),
        (None, "suppressed", set()),
    ],
)
def test_applies_to_names_actions_and_arns_in_both_engines(tmp_path, applies_to, status, left):
    suppressions = [("aws_iam_role_policy.p", "IAM-LP-002", applies_to)]
    outcomes, result, failed_synth, code = both(_two_statements(), tmp_path, suppressions)
    _same(outcomes, result)
    ours = next(o for o in outcomes if o.id == "IAM-LP-002")
    assert ours.status == status and failed_synth == (status == "failed") and code == (status == "failed")
    if status == "failed":  # the message names what is left over, and only that
        for action in {"s3:PutObject", "kinesis:PutRecord"}:
            assert (action in ours.message) == (action in left), ours.message
    else:
        assert ours.reason.startswith("fixture: ")


def test_a_narrowed_suppression_never_silences_a_builtin(tmp_path):
    document = doc({"aws_sqs_queue": {"q": {"name": "q"}}})
    suppressions = [("aws_sqs_queue.q", "CKV_AWS_27", ["sqs:SendMessage"])]
    outcomes, result, failed_synth, code = both(document, tmp_path, suppressions)
    _same(outcomes, result)
    sqs = next(o for o in outcomes if o.id == "CKV_AWS_27")
    assert sqs.status == "failed" and failed_synth and code == 1


def test_synth_fails_on_unencrypted_types_our_rules_do_not_cover(tmp_path):
    """The mission: fail synth on any unencrypted resource Checkov knows, not only the 38 types of our rules."""
    document = doc(
        {
            "aws_sqs_queue": {"q": {"name": "q"}},
            "aws_ebs_volume": {"v": {"availability_zone": "eu-central-1a", "size": 8}},
            "aws_dynamodb_table": {"t": {"name": "t", "hash_key": "id", "attribute": [{"name": "id", "type": "S"}]}},
            "aws_efs_file_system": {"f": {}},
            "aws_db_instance": {"i": {"engine": "postgres", "instance_class": "db.t4g.micro"}},
            "aws_elasticache_replication_group": {"g": {"description": "g", "replication_group_id": "g"}},
        }
    )
    outcomes, result, failed_synth, code = both(document, tmp_path)
    _same(outcomes, result)
    failing = {(o.id, o.address) for o in outcomes if o.status == "failed"}
    for expected in [
        ("CKV_AWS_27", "aws_sqs_queue.q"),
        ("CKV_AWS_3", "aws_ebs_volume.v"),
        ("CKV_AWS_119", "aws_dynamodb_table.t"),
        ("CKV_AWS_42", "aws_efs_file_system.f"),
        ("CKV_AWS_16", "aws_db_instance.i"),
        ("CKV_AWS_30", "aws_elasticache_replication_group.g"),
    ]:
        assert expected in failing, expected
    assert failed_synth and code == 1
    lines = [o.line() for o in outcomes if o.status == "failed" and o.id == "CKV_AWS_27"]
    assert lines and "fixture/aws_sqs_queue.q" in lines[0] and "CTL-ENC-01" in lines[0]  # names construct, control


def _star_star():
    """Action * on Resource *, in an aws_iam_policy_document (Checkov's IAM checks read policy documents; on
    terraform_json they cannot read a policy written as a JSON string)."""
    statement = {"Effect": "Allow", "Action": "*", "Resource": "*"}
    resources = {
        "aws_iam_role": {"r": ROLE},
        "aws_iam_role_policy": {"p": {"role": "r", "policy": "${data.aws_iam_policy_document.d.json}"}},
    }
    return doc(resources, merge(CALLER, document_source("d", statement)))


def test_a_wildcard_action_suppression_never_silences_escalation_or_exfiltration(tmp_path):
    suppressions = [("aws_iam_role_policy.p", "IAM-LP-001", None)]
    outcomes, result, failed_synth, code = both(_star_star(), tmp_path, suppressions)
    _same(outcomes, result)
    by_id = {o.id: o for o in outcomes if o.address == "aws_iam_role_policy.p"}
    assert by_id["IAM-LP-001"].status == "suppressed" and "CKV_AWS_49" in by_id["IAM-LP-001"].also
    escalation = [o for o in outcomes if "CKV_AWS_110" in (o.id, *o.also)]
    exfiltration = [o for o in outcomes if "CKV_AWS_108" in (o.id, *o.also)]
    assert escalation and all(o.status == "failed" for o in escalation), escalation
    assert exfiltration and all(o.status == "failed" for o in exfiltration), exfiltration
    assert failed_synth and code == 1


def test_one_star_star_statement_one_line_per_distinct_problem(tmp_path):
    outcomes, result, _, _ = both(_star_star(), tmp_path)
    _same(outcomes, result)
    lines = [line for line in problem_lines(result) if "aws_iam_policy_document.d" in line or "role_policy.p" in line]
    problems = [f for f in result["findings"] if f["status"] == "failed"]
    named = [i for f in problems for i in (f["rule_id"], *f["also"])]
    assert len(named) == len(set(named)) == len(problems) + sum(len(f["also"]) for f in problems)  # once each
    folded = {o.id: set(o.also) for o in outcomes if o.address == "aws_iam_role_policy.p" and o.also}
    assert folded == {
        "IAM-LP-001": {"CKV_AWS_49"},
        "IAM-LP-002": {"CKV_AWS_109", "CKV_AWS_111"},
        "IAM-ESC-001": {"CKV_AWS_110"},
    }, folded
    # Our three rules (twins folded) and the built-ins that test something else: full administrator, full IAM,
    # credential exposure, data exfiltration, Resource * for restrictable actions; and IAM-LP-003 (PassRole on *).
    assert {f["rule_id"] for f in problems} == {
        "IAM-LP-001",
        "IAM-LP-002",
        "IAM-LP-003",
        "IAM-ESC-001",
        "CKV_AWS_1",
        "CKV2_AWS_40",
        "CKV_AWS_107",
        "CKV_AWS_108",
        "CKV_AWS_356",
    }, lines
    assert len(lines) == len(problems)


def test_one_problem_one_line_twins_folded(tmp_path):
    document = doc(
        merge({"aws_kinesis_stream": {"s": {"name": "s", "shard_count": 1, "encryption_type": "NONE"}}}, KEY), CALLER
    )
    outcomes, result, _, _ = both(document, tmp_path)
    _same(outcomes, result)
    lines = [line for line in problem_lines(result) if "aws_kinesis_stream.s" in line]
    assert len(lines) == 1, lines
    assert (
        lines[0].startswith("FAIL KIN-ENC-001 [high] fixture/aws_kinesis_stream.s")
        and "(also: CKV_AWS_43, CKV_AWS_185)" in lines[0]
    )


def test_findings_attach_by_type_and_name_not_by_name(tmp_path):
    """A bucket and a queue both named `same`: each check's finding lands on its own type."""
    document = doc(
        merge(bucket("same"), {"aws_sqs_queue": {"same": {"name": "q", "kms_master_key_id": KEY_REF}}}, KEY), CALLER
    )
    outcomes, result, _, _ = both(document, tmp_path)
    _same(outcomes, result)
    for f in result["findings"]:
        if f["rule_id"] in ("CKV_AWS_27", "CKV2_AWS_73"):
            assert f["resource"] == "aws_sqs_queue.same" and f["construct_path"].endswith("aws_sqs_queue.same")
        if f["rule_id"] in ("CKV_AWS_145", "CKV_AWS_18", "CKV2_AWS_6"):
            assert f["resource"] == "aws_s3_bucket.same"


def _key_policy_document(consumer):
    """AWS's default key policy statement (the account root, kms:*) in a policy document, used by a key or by a
    role: the same document, two meanings of Resource *."""
    data = merge(
        CALLER,
        document_source(
            "d", {"Sid": "Root", "Effect": "Allow", "Action": "kms:*", "Resource": "*", "Principal": {"AWS": ROOT}}
        ),
    )
    if consumer == "key":
        resources = {
            "aws_kms_key": {
                "k": {
                    "enable_key_rotation": True,
                    "deletion_window_in_days": 7,
                    "policy": "${data.aws_iam_policy_document.d.json}",
                }
            }
        }
    else:
        resources = {
            "aws_iam_role": {"r": ROLE},
            "aws_iam_role_policy": {"p": {"role": "r", "policy": "${data.aws_iam_policy_document.d.json}"}},
        }
    return doc(resources, data)


def test_key_policy_builtins_are_replaced_by_the_rule_that_declares_it(tmp_path):
    outcomes, result, failed_synth, code = both(_key_policy_document("key"), tmp_path / "key")
    _same(outcomes, result)
    replaced = {o.id: o for o in outcomes if o.status == "waived" and o.engine == "checkov"}
    assert {"CKV_AWS_109", "CKV_AWS_111", "CKV_AWS_356"} <= set(replaced)
    assert all("replaced by KMS-POL-001" in o.reason and "Default key policy" in o.reason for o in replaced.values())
    assert not failed_synth and code == 0
    # The same document as an identity policy: Resource * is every resource there, and the built-ins stand.
    outcomes, result, failed_synth, code = both(_key_policy_document("identity"), tmp_path / "identity")
    _same(outcomes, result)
    assert not [o for o in outcomes if o.status == "waived"]
    assert failed_synth and code == 1


def _compliant_bucket(name, encryption, **more):
    """A bucket with every companion the rules and the mapped built-ins ask for (TLS-only policy, lifecycle, ...)."""
    deny = tls(Resource=[f"${{aws_s3_bucket.{name}.arn}}", f"${{aws_s3_bucket.{name}.arn}}/*"])  # AWS's statement
    return bucket(
        name,
        server_side_encryption_configuration={"rule": [{"apply_server_side_encryption_by_default": encryption}]},
        versioning={"versioning_configuration": {"status": "Enabled"}},
        public_access_block={
            k: True
            for k in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
        },
        policy={"policy": as_json(document_of(deny))},
        lifecycle_configuration={"rule": [{"id": "expire", "status": "Enabled", "expiration": {"days": 30}}]},
        **more,
    )


def _access_logs():
    data = _compliant_bucket(
        "data",
        {"sse_algorithm": "aws:kms", "kms_master_key_id": KEY_REF},
        logging={"target_bucket": "${aws_s3_bucket.logs.id}", "target_prefix": "data/"},
    )
    logs = _compliant_bucket("logs", {"sse_algorithm": "AES256"})
    return doc(merge(data, logs, KEY), CALLER)


def test_the_access_log_target_is_waived_with_the_reason_not_suppressed(tmp_path):
    outcomes, result, _, _ = both(_access_logs(), tmp_path)
    _same(outcomes, result)
    waived = {o.id: o for o in outcomes if o.address == "aws_s3_bucket.logs" and o.status == "waived"}
    assert set(waived) == {"S3-ENC-001", "S3-LOG-001"}, [
        (o.id, o.status) for o in outcomes if o.address == "aws_s3_bucket.logs"
    ]
    assert "CKV_AWS_145" in waived["S3-ENC-001"].also  # Checkov's twin shares the waiver
    assert (
        "aws_s3_bucket.data" in waived["S3-LOG-001"].reason
        and "enable-server-access-logging" in waived["S3-ENC-001"].reason
    )
    assert not any(o.status == "suppressed" for o in outcomes)


def test_thresholds_decide_what_fails_in_both_engines(tmp_path, monkeypatch):
    """Below the profile's threshold a mapped finding warns in both engines, saying so; at or above it fails both."""
    document = doc(
        {"aws_cloudwatch_log_group": {"g": {"name": "g", "retention_in_days": 30, "kms_key_id": KEY_REF}}, **KEY}
    )
    document["resource"]["aws_cloudwatch_log_group"]["g"].pop("kms_key_id")  # LOG-ENC-001 (high) fails
    outcomes, result, failed_synth, code = both(document, tmp_path / "strict")
    _same(outcomes, result)
    assert next(o for o in outcomes if o.id == "LOG-ENC-001").status == "failed" and failed_synth and code == 1
    monkeypatch.setitem(PROFILES, "ephemeral", replace(PROFILES["ephemeral"], threshold="critical"))
    outcomes, result, failed_synth, code = both(document, tmp_path / "lenient")
    _same(outcomes, result)
    log = next(o for o in outcomes if o.id == "LOG-ENC-001")
    assert log.status == "warning" and not failed_synth and code == 0
    assert log.reason == "warning: high is below the ephemeral profile's threshold (critical)", log.reason
    assert log.line().startswith("WARN LOG-ENC-001 [high]") and log.reason in log.line()


def _lambda():
    role = {"aws_iam_role": {"r": ROLE}}
    function = {
        "function_name": "f",
        "role": "${aws_iam_role.r.arn}",
        "runtime": "python3.12",
        "handler": "h.h",
        "filename": "f.zip",
        "tracing_config": {"mode": "Active"},
        "kms_key_arn": KEY_REF,
        "environment": {"variables": {"LEVEL": "info"}},
        "reserved_concurrent_executions": 1,
        "vpc_config": {"subnet_ids": ["subnet-1"], "security_group_ids": ["sg-1"]},
    }
    return doc(merge(role, {"aws_lambda_function": {"f": function}}, KEY), CALLER)


def test_builtins_classified_as_warnings_warn_with_their_reason_and_a_check_that_must_fail_maps_to_a_control(
    tmp_path,
):
    catalog = default_catalog()
    outcomes, result, failed_synth, code = both(_lambda(), tmp_path / "warnings")
    warned = {f["rule_id"]: f["reason"] for f in result["findings"] if f["status"] == "warning"}
    for check_id in ("CKV_AWS_116", "CKV_AWS_272"):  # dead-letter queue, code signing: the catalog's warnings
        assert warned[check_id] == f"warning: {catalog.warning_reason(check_id)}", warned[check_id]
    assert not any(o.id in warned for o in outcomes)  # not run at synth: they could fail nothing
    assert code == 0 and all(f["control_ids"] == [] for f in result["findings"] if f["rule_id"] in warned)
    document = yaml.safe_load(CATALOG.read_text())
    del document["warnings"]["CKV_AWS_116"]
    document["controls"][0]["checkov"].append("CKV_AWS_116")  # CTL-ENC-01, high
    del document["warnings"]["CKV_AWS_272"]  # classified nowhere, as a check a Checkov upgrade brings
    mapped = parse_catalog(document)
    outcomes, result, failed_synth, code = both(_lambda(), tmp_path / "mapped", catalog=mapped)
    _same(outcomes, result, mapped)
    dlq = next(o for o in outcomes if o.id == "CKV_AWS_116")
    assert dlq.status == "failed" and dlq.controls == ("CTL-ENC-01",) and failed_synth and code == 1
    signing = next(f for f in result["findings"] if f["rule_id"] == "CKV_AWS_272")
    assert (signing["status"], signing["reason"]) == ("warning", NO_CONTROL)


def test_every_report_shows_warnings_and_waivers(tmp_path):
    from infra.synth import synth
    from tests.fixture_stacks import build as build_stack

    combined = _access_logs()
    combined["resource"] = merge(combined["resource"], _lambda()["resource"])
    app, _ = build_stack(combined, str(tmp_path / "out"))
    synth(app)
    assert main(["check", str(tmp_path / "out"), "--out", str(tmp_path / "r")]) == 0
    document = json.loads((tmp_path / "r" / "findings.json").read_text())
    assert "CKV_AWS_116" in document["summary"]["checks"]["warning"] and not document["summary"]["checks"]["failed"]
    markdown = (tmp_path / "r" / "summary.md").read_text()
    dlq = default_catalog().warning_reason("CKV_AWS_116")
    assert "### Warnings" in markdown and "CKV_AWS_116" in markdown and dlq in markdown
    assert "### Waived by the project's policy" in markdown
    html = (tmp_path / "r" / "report.html").read_text()
    assert "<section id='warnings'>" in html and "<section id='waived'>" in html
    assert "fixture/aws_s3_bucket.logs" in html  # resources by construct path
    sarif = json.loads((tmp_path / "r" / "findings.sarif").read_text())
    levels = {r["ruleId"]: r["level"] for r in sarif["runs"][0]["results"]}
    assert levels["CKV_AWS_116"] == "warning"
    waived = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "S3-ENC-001"]
    assert (
        waived and waived[0]["suppressions"][0]["kind"] == "external" and waived[0]["suppressions"][0]["justification"]
    )
    junit = (tmp_path / "r" / "junit.xml").read_text()
    assert "WARNING" in junit and "waived: SSE-S3" in junit
