"""Valid Terraform JSON never aborts the gate and never skips a stack: hypothesis writes stacks over the grammar of
Terraform's JSON syntax (https://developer.hashicorp.com/terraform/language/syntax/json): the `terraform` block
with required_version, required_providers and a backend; providers and aliases; variables, locals, outputs;
modules (local and registry); `moved`, `import`, `removed` and `check` blocks; resources and data sources with
count, for_each, dynamic blocks, lifecycle, depends_on, provider aliases and tokens in any argument; and `//`
comments at every level. The gate judges every stack it is given (exit 0 or 1, every stack in the report); the
same documents reach the Aspect through stack-level overrides of every top-level block (one app each)."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compliance.__main__ import main
from policies.rules.general.modules_judged_fixtures import LOCAL_MODULE

NAME = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True)
TYPES = st.sampled_from(
    [
        "aws_s3_bucket",
        "aws_s3_bucket_versioning",
        "aws_s3_bucket_policy",
        "aws_kms_key",
        "aws_iam_role",
        "aws_iam_role_policy",
        "aws_sqs_queue",
        "aws_sns_topic",
        "aws_cloudwatch_log_group",
        "aws_security_group",
        "aws_lambda_function",
        "aws_rds_cluster",
        "aws_kinesis_stream",
        "aws_glue_job",
        "random_pet",
        "null_resource",
    ]
)
ARGUMENTS = st.sampled_from(
    [
        "bucket",
        "name",
        "policy",
        "kms_key_id",
        "kms_master_key_id",
        "enable_key_rotation",
        "deletion_window_in_days",
        "retention_in_days",
        "storage_encrypted",
        "encryption_type",
        "role",
        "tags",
        "description",
        "assume_role_policy",
    ]
)
TOKEN = st.sampled_from(
    [
        "${var.input}",
        "${local.settings}",
        '${lookup(local.m, "k", 7)}',
        "${each.value}",
        "${each.key}",
        "${count.index}",
        "${aws_kms_key.k.arn}",
        "${aws_s3_bucket.b[0].id}",
        '${aws_s3_bucket.b["raw"].arn}',
        "${data.aws_caller_identity.me.account_id}",
        "${module.m.bucket_arn}",
        "${terraform.workspace}",
        '${jsonencode({"Version" = "2012-10-17", "Statement" = []})}',
    ]
)
SCALAR = st.none() | st.booleans() | st.integers(-5, 400) | st.text(max_size=12) | TOKEN
COMMENT = st.fixed_dictionaries({"//": st.text(max_size=20)})


def _value(depth: int = 2):
    if depth == 0:
        return SCALAR
    return SCALAR | st.lists(_value(depth - 1), max_size=3) | st.dictionaries(NAME, _value(depth - 1), max_size=3)


@st.composite
def resource_config(draw):
    config = draw(st.dictionaries(ARGUMENTS, _value(), max_size=5))
    meta = draw(st.sampled_from(["count", "for_each", "none"]))
    if meta == "count":
        config["count"] = draw(st.integers(0, 3) | TOKEN)
    elif meta == "for_each":
        config["for_each"] = draw(
            st.dictionaries(NAME, SCALAR, max_size=3)
            | st.just('${toset(["a", "b"])}')
            | st.just("${aws_s3_bucket.b}")
            | TOKEN
        )
    if draw(st.booleans()):
        content = draw(st.dictionaries(ARGUMENTS, _value(1), max_size=3))
        spec = {"for_each": draw(st.lists(SCALAR, max_size=2) | TOKEN), "content": content}
        if draw(st.booleans()):
            spec["iterator"] = "each"
        config["dynamic"] = {draw(st.sampled_from(["rule", "statement", "inline_policy", "ingress"])): spec}
    if draw(st.booleans()):
        config["lifecycle"] = {"prevent_destroy": draw(st.booleans()), "ignore_changes": ["tags"]}
    if draw(st.booleans()):
        config["depends_on"] = ["aws_kms_key.k"]
    if draw(st.booleans()):
        config["provider"] = "aws.replica"
    if draw(st.booleans()):
        config["//"] = draw(COMMENT | st.just({"metadata": {"path": "s/x", "uniqueId": "x"}}))
    return config


@st.composite
def terraform_json(draw):
    document = {}
    if draw(st.booleans()):
        document["terraform"] = {
            "required_version": draw(st.sampled_from([">= 1.5", "~> 1.11.0"])),
            "required_providers": {"aws": {"source": "hashicorp/aws", "version": "5.100.0"}},
            **({"backend": {"s3": {"bucket": "state", "key": "k", "encrypt": True}}} if draw(st.booleans()) else {}),
        }
    providers = [{"region": "eu-central-1"}]
    if draw(st.booleans()):
        providers[0]["default_tags"] = [{"tags": {"Owner": "o"}}]
    if draw(st.booleans()):
        providers.append({"alias": "replica", "region": "eu-west-1"})
    document["provider"] = {"aws": providers}
    if draw(st.booleans()):
        document["variable"] = {"input": {"type": "string", "default": draw(st.text(max_size=5))}}
    if draw(st.booleans()):
        document["locals"] = {"settings": draw(_value(1))}
    if draw(st.booleans()):
        document["output"] = {"o": {"value": draw(TOKEN), "sensitive": draw(st.booleans())}}
    if draw(st.booleans()):
        source = draw(st.sampled_from([LOCAL_MODULE, "terraform-aws-modules/s3-bucket/aws", "./missing"]))
        document["module"] = {"m": {"source": source, "bucket_name": draw(st.text(max_size=5) | TOKEN)}}
    for block, make in (
        ("moved", lambda: {"from": "aws_s3_bucket.old", "to": "aws_s3_bucket.b"}),
        ("import", lambda: {"to": "aws_s3_bucket.b", "id": "b"}),
        ("removed", lambda: {"from": "aws_s3_bucket.gone", "lifecycle": {"destroy": False}}),
    ):
        if draw(st.booleans()):
            document[block] = [make()] if draw(st.booleans()) else make()
    if draw(st.booleans()):
        document["check"] = {"health": {"assert": [{"condition": "${1 == 1}", "error_message": "never"}]}}
    resources = draw(
        st.dictionaries(TYPES, st.dictionaries(NAME, resource_config(), min_size=1, max_size=2), max_size=4)
    )
    resources.setdefault("aws_kms_key", {}).setdefault("k", {"enable_key_rotation": True})
    resources.setdefault("aws_s3_bucket", {}).setdefault("b", {"bucket": "b"})
    document["resource"] = resources
    if draw(st.booleans()):
        document["data"] = {
            "aws_caller_identity": {"me": {}},
            "aws_iam_policy_document": {"d": draw(resource_config())},
        }
    if draw(st.booleans()):
        document["//"] = {"metadata": {"stackName": "s", "version": "0.21.0"}}
    return document


def _write(root, documents):
    for index, document in enumerate(documents):
        folder = root / "stacks" / f"s{index}"
        folder.mkdir(parents=True)
        (folder / "cdk.tf.json").write_text(json.dumps(document))
    (root / "manifest.json").write_text(json.dumps({"stacks": {f"s{i}": {} for i in range(len(documents))}}))


@settings(max_examples=50, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(st.lists(terraform_json(), min_size=10, max_size=10))
def test_the_gate_judges_every_valid_stack(tmp_path_factory, documents):
    """50 examples of 10 stacks each: 500 generated stacks, every one judged."""
    root = tmp_path_factory.mktemp("grammar")
    _write(root, documents)
    code = main(["check", str(root), "--out", str(root / "reports"), "--workers", "0"])
    assert code in (0, 1)
    report = json.loads((root / "reports" / "findings.json").read_text())
    assert {s["name"] for s in report["stacks"]} == {f"s{i}" for i in range(len(documents))}
    assert all(any(f["stack"] == f"s{i}" for f in report["findings"]) for i in range(len(documents)))
    ours = [f for f in report["findings"] if f["engine"] == "guardrails"]
    assert not [f for f in ours if "could not evaluate this resource" in f["message"]]


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(terraform_json())
def test_the_aspect_judges_every_valid_stack(tmp_path_factory, document):
    """The same grammar through the Aspect: every top-level block written into a cdktf stack with a stack-level
    override, synthesized with Guardrails (60 examples, one app each)."""
    from cdktf import App, TerraformStack

    from infra.synth import SynthFailed, synth
    from policies import guard

    app = App(outdir=str(tmp_path_factory.mktemp("aspect")))
    stack = TerraformStack(app, "s")
    for key, value in document.items():
        stack.add_override(key, value)
    guardrails = guard(app, profile="ephemeral")
    try:
        synth(app)
    except SynthFailed as failure:
        assert "GATE [critical]" not in failure.raw, failure.raw[:2000]  # judged, not refused
    outcomes = guardrails.findings["s"]
    assert outcomes and not [
        o for o in outcomes if o.engine == "guardrails" and "could not evaluate this resource" in o.message
    ]
