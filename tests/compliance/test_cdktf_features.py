"""The gate judges every stack a cdktf user writes: one small stack per cdktf feature, written with cdktf's own
constructs (iterators, counts, dynamic blocks, imports and moves, modules, cross-stack references, remote state,
tokens in numbers), each in a compliant form and a non-compliant one. Through both engines (the Aspect at synth,
the gate over the synthesized files): the same verdict, the expected verdict, never exit 2.

The compliant forms are whole: a bucket with its encryption, public access block, versioning, TLS-only policy,
lifecycle and access logging, a rotated key with its policy, as AWS documents them; so "compliant" means the gate
passes the whole stack, not one rule."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from compliance.__main__ import main
from tests.conftest import PROJECT

TAGS = {"Environment": "t", "Project": "p", "Owner": "o", "CostCenter": "c", "DataClassification": "internal"}
MODULES = PROJECT / "tests" / "compliance" / "modules"


@dataclass(frozen=True)
class Feature:
    name: str
    build: Callable  # (stack, compliant) -> None
    fails: tuple[tuple[str, str], ...] = ()  # (rule id, address) the non-compliant form fails
    message: str = ""  # a phrase the non-compliant failure's message holds
    warns: tuple[str, ...] = ()  # rule ids the compliant form may warn on (and never fail)
    also_stacks: tuple[str, ...] = ()  # other stacks the feature adds (cross-stack)


# --- building blocks, as AWS documents them ------------------------------------------------------------------------


def _base(stack):
    from infra import aws

    aws.AwsProvider(stack, "aws", region="eu-central-1", default_tags=[aws.AwsProviderDefaultTags(tags=TAGS)])
    me = aws.DataAwsCallerIdentity(stack, "me")
    partition = aws.DataAwsPartition(stack, "partition")
    return me, partition


def _key(stack, me, partition, name="key", **extra):
    """A rotated CMK with AWS's default key policy statement (its own account root, kms:*)."""
    from infra import aws

    root = f"arn:{partition.partition}:iam::{me.account_id}:root"
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Root", "Effect": "Allow", "Principal": {"AWS": root}, "Action": "kms:*", "Resource": "*"}
        ],
    }
    settings = {"enable_key_rotation": True, "deletion_window_in_days": 7, **extra}
    return aws.KmsKey(stack, name, policy=json.dumps(policy), **settings)


def _tls_policy(bucket_arn: str) -> str:
    """AWS's TLS-only bucket policy (S3 User Guide, "Enforce encryption of data in transit")."""
    statement = {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [bucket_arn, f"{bucket_arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def _companions(stack, name, bucket_id, bucket_arn, sse, log_target=None, versioning=True, **iteration):
    """Every companion a bucket needs, each iterated as the bucket is (`iteration`: for_each or count); `sse` None:
    the caller writes the encryption resource."""
    from infra import aws

    if sse is not None:
        aws.S3BucketServerSideEncryptionConfigurationA(
            stack,
            f"{name}_sse",
            bucket=bucket_id,
            rule=[aws.S3BucketServerSideEncryptionConfigurationRuleA(apply_server_side_encryption_by_default=sse)],
            **iteration,
        )
    aws.S3BucketPublicAccessBlock(
        stack,
        f"{name}_pab",
        bucket=bucket_id,
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=True,
        **iteration,
    )
    if versioning:
        aws.S3BucketVersioningA(
            stack,
            f"{name}_versioning",
            bucket=bucket_id,
            versioning_configuration=aws.S3BucketVersioningVersioningConfiguration(status="Enabled"),
            **iteration,
        )
    aws.S3BucketPolicy(stack, f"{name}_tls", bucket=bucket_id, policy=_tls_policy(bucket_arn), **iteration)
    aws.S3BucketLifecycleConfiguration(
        stack,
        f"{name}_lifecycle",
        bucket=bucket_id,
        rule=[
            aws.S3BucketLifecycleConfigurationRule(
                id="expire",
                status="Enabled",
                filter=[aws.S3BucketLifecycleConfigurationRuleFilter(prefix="")],
                expiration=[aws.S3BucketLifecycleConfigurationRuleExpiration(days=30)],
                noncurrent_version_expiration=[
                    aws.S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(noncurrent_days=30)
                ],
                abort_incomplete_multipart_upload=[
                    aws.S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload(days_after_initiation=7)
                ],
            )
        ],
        **iteration,
    )
    if log_target is not None:
        aws.S3BucketLoggingA(
            stack, f"{name}_logging", bucket=bucket_id, target_bucket=log_target, target_prefix=f"{name}/", **iteration
        )


def _log_bucket(stack, name="logs"):
    """The access-log target: SSE-S3 (log delivery writes with it), not logging itself."""
    from infra import aws

    logs = aws.S3Bucket(stack, name, bucket=f"fixture-{name}", force_destroy=True)
    sse = aws.S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(sse_algorithm="AES256")
    _companions(stack, name, logs.id, logs.arn, sse)
    return logs


def _kms(key_arn):
    from infra import aws

    return aws.S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(
        sse_algorithm="aws:kms", kms_master_key_id=key_arn
    )


# --- the features -------------------------------------------------------------------------------------------------


def count(stack, compliant):
    """`count` on keys and on a bucket with its companions, which reach it by `[count.index]`."""
    from infra import aws

    me, partition = _base(stack)
    _key(stack, me, partition, count=2, enable_key_rotation=compliant)
    key = _key(stack, me, partition, "data_key")
    logs = _log_bucket(stack)
    aws.S3Bucket(stack, "data", count=2, bucket="fixture-data-${count.index}", force_destroy=True)
    ref = "${aws_s3_bucket.data[count.index]"
    _companions(stack, "data", f"{ref}.id}}", f"{ref}.arn}}", _kms(key.arn), logs.id, count=2)


def conditional_count(stack, compliant):
    """`count` from a condition over a variable: how many instances only Terraform knows."""
    from cdktf import Fn, TerraformVariable, Token

    me, partition = _base(stack)
    enabled = TerraformVariable(stack, "enabled", type="bool", default=True)
    how_many = Token.as_number(Fn.conditional(enabled.boolean_value, 1, 0))
    _key(stack, me, partition, count=how_many, enable_key_rotation=compliant)


def _iterated_buckets(stack, compliant, iterator):
    from cdktf import TerraformIterator, Token

    from infra import aws

    me, partition = _base(stack)
    key = _key(stack, me, partition)
    logs = _log_bucket(stack)
    data = aws.S3Bucket(
        stack, "data", for_each=iterator, bucket=f"fixture-{Token.as_string(iterator.key)}", force_destroy=True
    )
    each = TerraformIterator.from_resources(data)
    bucket_id, bucket_arn = each.get_string("id"), each.get_string("arn")
    _companions(stack, "data", bucket_id, bucket_arn, _kms(key.arn), logs.id, versioning=compliant, for_each=each)


def for_each_list(stack, compliant):
    """`for_each` over a list (TerraformIterator.from_list), companions over the buckets (from_resources)."""
    from cdktf import TerraformIterator

    _iterated_buckets(stack, compliant, TerraformIterator.from_list(["raw", "curated"]))


def for_each_map(stack, compliant):
    """`for_each` over a map (TerraformIterator.from_map), companions over the buckets (from_resources)."""
    from cdktf import TerraformIterator

    _iterated_buckets(stack, compliant, TerraformIterator.from_map({"raw": "r", "curated": "c"}))


def _role(stack, inline_policy):
    from infra import aws

    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    return aws.IamRole(
        stack, "role", name="fixture-role", assume_role_policy=json.dumps(trust), inline_policy=inline_policy
    )


def _statement(action, resource):
    return json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]}
    )


def dynamic_inline_policy(stack, compliant):
    """An IAM role's inline policies written with a dynamic block over a literal map."""
    from cdktf import TerraformIterator

    _base(stack)
    log_group = "arn:aws:logs:eu-central-1:111122223333:log-group:/fixture:*"
    policies = {"logs": _statement("logs:PutLogEvents", log_group) if compliant else _statement("*", "*")}
    each = TerraformIterator.from_map(policies)
    _role(stack, each.dynamic({"name": each.key, "policy": each.value}))


def dynamic_inline_policy_variable(stack, compliant):
    """The same dynamic block over a variable: what it grants only Terraform knows. The compliant form writes its
    policy out; the other fails closed saying the dynamic block cannot be read."""
    from cdktf import TerraformIterator, TerraformVariable, Token

    _base(stack)
    if compliant:
        from infra import aws

        role = _role(stack, None)
        aws.IamRolePolicy(
            stack,
            "logs",
            role=role.name,
            policy=_statement("logs:PutLogEvents", "arn:aws:logs:eu-central-1:111122223333:log-group:/fixture:*"),
        )
        return
    given = TerraformVariable(stack, "policies", type="map(string)")
    each = TerraformIterator.from_map(Token.as_any_map(given.value))
    _role(stack, each.dynamic({"name": each.key, "policy": each.value}))


def dynamic_encryption(stack, compliant):
    """A bucket's SSE rule written as a dynamic block: over a literal list of keys (readable), or over a variable."""
    from cdktf import TerraformIterator, TerraformVariable

    from infra import aws

    me, partition = _base(stack)
    key = _key(stack, me, partition)
    logs = _log_bucket(stack)
    data = aws.S3Bucket(stack, "data", bucket="fixture-data", force_destroy=True)
    _companions(stack, "data", data.id, data.arn, _kms(key.arn), logs.id)
    keys = [key.arn] if compliant else TerraformVariable(stack, "keys", type="list(string)").list_value
    each = TerraformIterator.from_list(keys)
    # another bucket whose encryption rule is a dynamic block
    other = aws.S3Bucket(stack, "other", bucket="fixture-other", force_destroy=True)
    _companions(stack, "other", other.id, other.arn, None, logs.id)
    aws.S3BucketServerSideEncryptionConfigurationA(
        stack,
        "other_sse",
        bucket=other.id,
        rule=each.dynamic(
            {"apply_server_side_encryption_by_default": [{"sse_algorithm": "aws:kms", "kms_master_key_id": each.value}]}
        ),
    )


def dynamic_policy_document(stack, compliant):
    """A policy document whose statements are a dynamic block over a literal map, attached to a role."""
    from cdktf import TerraformIterator

    from infra import aws

    _base(stack)
    resource = "arn:aws:logs:eu-central-1:111122223333:log-group:/fixture:*" if compliant else "*"
    statements = {"Write": {"sid": "Write", "actions": ["logs:PutLogEvents"]}}
    each = TerraformIterator.from_map(statements)
    document = aws.DataAwsIamPolicyDocument(
        stack,
        "document",
        statement=each.dynamic(
            {
                "sid": each.get_string("sid"),
                "effect": "Allow",
                "actions": each.get_list("actions"),
                "resources": [resource],
            }
        ),
    )
    role = _role(stack, None)
    aws.IamRolePolicy(stack, "logs", role=role.name, policy=document.json)


def imports_and_moves(stack, compliant):
    """A key adopted with `import_from` and buckets renamed with `move_to` / `move_from_id`."""
    from infra import aws

    me, partition = _base(stack)
    key = _key(stack, me, partition, enable_key_rotation=compliant)
    key.import_from("1234abcd-12ab-34cd-56ef-1234567890ab")
    logs = _log_bucket(stack)
    data = aws.S3Bucket(stack, "data", bucket="fixture-data", force_destroy=True)
    data.move_from_id("aws_s3_bucket.legacy_data")
    _companions(stack, "data", data.id, data.arn, _kms(key.arn), logs.id)
    stack.add_override("removed", [{"from": "aws_s3_bucket.gone", "lifecycle": {"destroy": False}}])


def local_module(stack, compliant):
    """A local module (TerraformHclModule): its HCL judged with the variables the stack passes."""
    from cdktf import TerraformHclModule

    me, partition = _base(stack)
    key = _key(stack, me, partition)
    variables = {"name": "fixture-module"}
    if compliant:
        variables["kms_key_arn"] = key.arn
    TerraformHclModule(stack, "queue", source=str(MODULES / "queue"), variables=variables)


def registry_module(stack, compliant):
    """A registry module: its contents are not on disk at synth, which the gate says (a warning here; production,
    or the non-compliant form's production profile, fails it)."""
    from cdktf import TerraformHclModule

    _base(stack)
    TerraformHclModule(stack, "bucket", source="terraform-aws-modules/s3-bucket/aws", version="4.1.0")


def cross_stack(stack, compliant):
    """Two stacks: the key and the access-log bucket in one, the data bucket in the other, joined by cdktf's
    cross-stack references (the non-compliant form gives the data bucket AWS's own key)."""
    from cdktf import TerraformStack

    from infra import aws

    shared = TerraformStack(stack.node.scope, f"{stack.node.id}-shared")
    me, partition = _base(shared)
    key = _key(shared, me, partition)
    logs = _log_bucket(shared)
    _base(stack)
    data = aws.S3Bucket(stack, "data", bucket="fixture-data", force_destroy=True)
    _companions(stack, "data", data.id, data.arn, _kms(key.arn if compliant else "alias/aws/s3"), logs.id)


def remote_state(stack, compliant):
    """A key read from another configuration's remote state (not a stack of this synth): the gate cannot see it,
    and says so; the compliant form takes its key from this stack."""
    from cdktf import DataTerraformRemoteStateS3

    from infra import aws

    me, partition = _base(stack)
    logs = _log_bucket(stack)
    if compliant:
        key_arn = _key(stack, me, partition).arn
    else:
        state = DataTerraformRemoteStateS3(
            stack, "shared", bucket="fixture-state", key="shared.tfstate", region="eu-central-1"
        )
        key_arn = state.get_string("key_arn")
    data = aws.S3Bucket(stack, "data", bucket="fixture-data", force_destroy=True)
    _companions(stack, "data", data.id, data.arn, _kms(key_arn), logs.id)


def number_token(stack, compliant):
    """A key's deletion window from a variable (a token in a number): the rule that compares it cannot read it,
    and says so, instead of breaking."""
    from cdktf import TerraformVariable

    me, partition = _base(stack)
    days = 7 if compliant else TerraformVariable(stack, "days", type="number", default=7).number_value
    _key(stack, me, partition, deletion_window_in_days=days)


FEATURES = [
    Feature("count", count, (("KMS-ROT-001", "aws_kms_key.key"),)),
    Feature("conditional-count", conditional_count, (("KMS-ROT-001", "aws_kms_key.key"),)),
    Feature("for-each-list", for_each_list, (("S3-VER-001", "aws_s3_bucket.data"),)),
    Feature("for-each-map", for_each_map, (("S3-VER-001", "aws_s3_bucket.data"),)),
    Feature("dynamic-inline-policy", dynamic_inline_policy, (("IAM-LP-001", "aws_iam_role.role"),)),
    Feature(
        "dynamic-inline-policy-variable",
        dynamic_inline_policy_variable,
        (("IAM-LP-001", "aws_iam_role.role"),),
        "built with a dynamic block whose content cannot be read",
    ),
    Feature(
        "dynamic-encryption",
        dynamic_encryption,
        (("S3-ENC-001", "aws_s3_bucket.other"),),
        "built with a dynamic block whose content cannot be read",
    ),
    Feature("dynamic-policy-document", dynamic_policy_document, (("IAM-LP-002", "aws_iam_role_policy.logs"),)),
    Feature("imports-and-moves", imports_and_moves, (("KMS-ROT-001", "aws_kms_key.key"),)),
    Feature(
        "local-module",
        local_module,
        (("SNS-ENC-001", "module.queue.aws_sns_topic.this"),),
        "no KMS key is set",
    ),
    Feature("registry-module", registry_module, warns=("MOD-SRC-001",)),
    Feature(
        "cross-stack",
        cross_stack,
        (("S3-ENC-001", "aws_s3_bucket.data"),),
        "AWS-managed",
        also_stacks=("-shared",),
    ),
    Feature(
        "remote-state",
        remote_state,
        (("S3-ENC-001", "aws_s3_bucket.data"),),
        "which this synth does not show",
    ),
    Feature(
        "number-token",
        number_token,
        (("DES-EPH-001", "aws_kms_key.key"),),
        "deletion_window_in_days is",
    ),
]


def _stacks(app) -> dict[str, object]:
    from cdktf import TerraformStack

    stacks = {}
    for feature in FEATURES:
        for compliant in (True, False):
            name = f"{feature.name}-{'ok' if compliant else 'bad'}"
            stacks[name] = TerraformStack(app, name)
            feature.build(stacks[name], compliant)
    return stacks


@pytest.fixture(scope="module")
def judged(tmp_path_factory):
    """Both engines over the same stacks: the Aspect on each stack (as synth's validation runs it), and the gate
    over the synthesized folder."""
    from cdktf import App, TerraformStack

    from infra.synth import SynthFailed, synth
    from policies import guard

    root = tmp_path_factory.mktemp("features")
    app = App(outdir=str(root / "bare"))
    _stacks(app)
    synth(app)
    code = main(["check", str(root / "bare"), "--out", str(root / "reports")])
    gate = json.loads((root / "reports" / "findings.json").read_text())
    aspect = {}
    for feature in FEATURES:  # cdktf stops synth at the first stack with errors: one app per form
        for kind in ("ok", "bad"):
            guarded = App(outdir=str(root / f"guarded-{feature.name}-{kind}"))
            stack = TerraformStack(guarded, f"{feature.name}-{kind}")
            feature.build(stack, kind == "ok")
            guardrails = guard(guarded, profile="ephemeral")
            with contextlib.suppress(SynthFailed):  # the non-compliant forms fail synth: their outcomes are kept
                synth(guarded)
            aspect[stack.node.id] = guardrails.findings[stack.node.id]
    return code, gate, aspect


def _failed_at_synth(outcomes):
    return {(o.id, o.address) for o in outcomes if o.status == "failed"}


def _failed_in_gate(gate, stack):
    return {(f["rule_id"], f["resource"]) for f in gate["findings"] if f["stack"] == stack and f["status"] == "failed"}


def test_the_gate_judges_every_feature_stack_never_exit_2(judged):
    code, gate, _ = judged
    assert code == 1  # the non-compliant forms fail; a refusal would be 2
    judged_stacks = {s["name"] for s in gate["stacks"]}
    expected = {f"{f.name}-{kind}" for f in FEATURES for kind in ("ok", "bad")}
    expected |= {f"{f.name}-{kind}{suffix}" for f in FEATURES for kind in ("ok", "bad") for suffix in f.also_stacks}
    assert judged_stacks == expected


@pytest.mark.parametrize("feature", FEATURES, ids=lambda f: f.name)
def test_the_compliant_form_passes_in_both_engines(feature, judged):
    _, gate, aspect = judged
    stack = f"{feature.name}-ok"
    stacks = [stack, *(f"{stack}{s}" for s in feature.also_stacks)]
    gate_failed = {x for s in stacks for x in _failed_in_gate(gate, s)}
    assert not gate_failed, sorted(gate_failed)
    assert not _failed_at_synth(aspect[stack]), sorted(_failed_at_synth(aspect[stack]))
    warned = {f["rule_id"] for f in gate["findings"] if f["stack"] == stack and f["status"] == "warning"}
    assert set(feature.warns) <= warned


@pytest.mark.parametrize("feature", [f for f in FEATURES if f.fails], ids=lambda f: f.name)
def test_the_non_compliant_form_fails_in_both_engines_as_expected(feature, judged):
    _, gate, aspect = judged
    stack = f"{feature.name}-bad"
    gate_failed = _failed_in_gate(gate, stack)
    for expected in feature.fails:
        assert expected in gate_failed, (expected, sorted(gate_failed))
        assert expected in _failed_at_synth(aspect[stack]), (expected, sorted(_failed_at_synth(aspect[stack])))
    if feature.message:
        messages = [f["message"] for f in gate["findings"] if (f["rule_id"], f["resource"]) in set(feature.fails)]
        assert any(feature.message in m for m in messages), messages
    ours = [f for f in gate["findings"] if f["engine"] == "guardrails"]
    assert not any("could not evaluate this resource" in f["message"] for f in ours)


@pytest.mark.parametrize("feature", FEATURES, ids=lambda f: f.name)
def test_both_engines_agree_on_our_rules(feature, judged):
    """Every outcome of our rulebook (id, address, status) is the same at synth and in the gate."""
    _, gate, aspect = judged
    for kind in ("ok", "bad"):
        stack = f"{feature.name}-{kind}"
        at_synth = {(o.id, o.address, o.status) for o in aspect[stack] if o.engine == "guardrails"}
        gated = {
            (f["rule_id"], f["resource"], f["status"])
            for f in gate["findings"]
            if f["stack"] == stack and f["engine"] == "guardrails"
        }
        assert at_synth == gated, (sorted(at_synth - gated)[:5], sorted(gated - at_synth)[:5])


def test_iterated_findings_name_their_instances(judged):
    _, gate, _ = judged
    keys = [f for f in gate["findings"] if f["stack"] == "count-bad" and f["resource"] == "aws_kms_key.key"]
    assert keys and all(f["instances"] == ["0", "1"] for f in keys)
    buckets = [
        f for f in gate["findings"] if f["stack"] == "for-each-map-bad" and f["resource"] == "aws_s3_bucket.data"
    ]
    assert buckets and all(f["instances"] == ['"curated"', '"raw"'] for f in buckets)
    unknown = [
        f for f in gate["findings"] if f["stack"] == "conditional-count-bad" and f["resource"] == "aws_kms_key.key"
    ]
    assert unknown and all(f["instances"] == [] for f in unknown)
