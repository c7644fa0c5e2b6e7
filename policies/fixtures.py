"""Builders for rule fixtures: each rule's <rule>_fixtures.py lists FAIL and PASS forms made with these.

A form is one way of writing a violation (or a compliant resource): inline, `Fn.jsonencode` token, data source,
separate resource, aliased provider, ARN pattern. Passing forms that AWS documents as its recommendation carry the
page in `source`. tests/policies/test_rules.py runs every form through the engine and through the Aspect at synth
(each form its own cdktf app), and refuses a rule with fewer than 5 failing or 3 passing forms. The forms are not
run through Checkov (Checkov's built-in twins are compared with our rules elsewhere, not on these forms).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

TAGS = {"Environment": "t", "Project": "p", "Owner": "o", "CostCenter": "c", "DataClassification": "internal"}
ACCOUNT = "${data.aws_caller_identity.me.account_id}"
PARTITION = "${data.aws_partition.p.partition}"
ROOT = f"arn:{PARTITION}:iam::{ACCOUNT}:root"
CALLER = {"aws_caller_identity": {"me": {}}, "aws_partition": {"p": {}}}
KEY_REF = "${aws_kms_key.k.arn}"
KEY = {"aws_kms_key": {"k": {"enable_key_rotation": True, "deletion_window_in_days": 7}}}


@dataclass(frozen=True)
class Form:
    form: str  # how it is written
    subject: str  # the address of the resource under test
    document: dict[str, Any]
    source: str = ""  # the AWS page that recommends this form (passing forms)
    profile: str | None = None  # default: the rule's first profile


def doc(
    resources: dict[str, Any],
    data: dict[str, Any] | None = None,
    default_tags: bool = True,
    aliases: tuple[str, ...] = (),
) -> dict[str, Any]:
    provider: dict[str, Any] = {"region": "eu-central-1"}
    if default_tags:
        provider["default_tags"] = [{"tags": TAGS}]
    providers = [provider] + [{"alias": a, "region": "eu-west-1", "default_tags": [{"tags": TAGS}]} for a in aliases]
    document: dict[str, Any] = {"provider": {"aws": providers}, "resource": resources}
    if data:
        document["data"] = data
    return document


LITERAL_ACCOUNT = "111122223333"  # the account id AWS's documentation writes


def declared(document: dict[str, Any], *accounts: str) -> dict[str, Any]:
    """The document of a stack that declares these accounts its own, as guard(app, accounts=[...]) writes them."""
    meta = document.setdefault("//", {}).setdefault("guardrails", {})
    meta["accounts"] = sorted(accounts)
    return document


def merge(*parts: dict[str, Any]) -> dict[str, Any]:
    """Merge resource sections type by type."""
    out: dict[str, Any] = {}
    for part in parts:
        for rtype, items in part.items():
            out.setdefault(rtype, {}).update(items)
    return out


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def as_json(document: dict[str, Any]) -> str:
    return json.dumps(document)


def as_jsonencode(document: dict[str, Any]) -> str:
    """The `${jsonencode(...)}` token cdktf writes for Fn.jsonencode, in HCL object syntax."""
    return "${jsonencode(" + _hcl(document) + ")}"


def _hcl(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_hcl(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_hcl(v) for v in value) + "]"
    if isinstance(value, str) and value.startswith("${") and value.endswith("}") and value.count("${") == 1:
        return value[2:-1]  # a bare reference, as cdktf writes tokens
    return json.dumps(value)


def document_source(name: str, *statements: dict[str, Any]) -> dict[str, Any]:
    """An aws_iam_policy_document data source with the same statements (Terraform's block syntax)."""
    blocks = []
    for s in statements:
        block: dict[str, Any] = {"effect": s.get("Effect", "Allow")}
        if s.get("Sid"):
            block["sid"] = s["Sid"]
        for json_key, tf_key in (
            ("Action", "actions"),
            ("NotAction", "not_actions"),
            ("Resource", "resources"),
            ("NotResource", "not_resources"),
        ):
            if json_key in s:
                block[tf_key] = s[json_key] if isinstance(s[json_key], list) else [s[json_key]]
        for json_key, tf_key in (("Principal", "principals"), ("NotPrincipal", "not_principals")):
            if json_key in s:
                value = s[json_key]
                value = {"AWS": "*"} if value == "*" else value
                block[tf_key] = [
                    {"type": k, "identifiers": v if isinstance(v, list) else [v]} for k, v in value.items()
                ]
        if "Condition" in s:
            block["condition"] = [
                {"test": op, "variable": key, "values": vals if isinstance(vals, list) else [vals]}
                for op, tests in s["Condition"].items()
                for key, vals in tests.items()
            ]
        blocks.append(block)
    return {"aws_iam_policy_document": {name: {"statement": blocks}}}


def role_policy(written: str, *statements: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """(resources, data) for an aws_iam_role_policy `p` carrying the statements, written as `written`:
    json, jsonencode, document (a data source) or inline (aws_iam_role.r inline_policy)."""
    document = policy(*statements)
    if written == "document":
        return {"aws_iam_role_policy": {"p": {"role": "r", "policy": "${data.aws_iam_policy_document.d.json}"}}}, (
            document_source("d", *statements)
        )
    if written == "inline":
        role = {
            "assume_role_policy": as_json(trust("lambda.amazonaws.com")),
            "inline_policy": [{"name": "inline", "policy": as_json(document)}],
        }
        return {"aws_iam_role": {"r": role}}, None
    value = as_jsonencode(document) if written == "jsonencode" else as_json(document)
    kind = {
        "json": "aws_iam_role_policy",
        "jsonencode": "aws_iam_role_policy",
        "policy": "aws_iam_policy",
        "user": "aws_iam_user_policy",
        "group": "aws_iam_group_policy",
    }[written]
    config = {"policy": value, **({"role": "r"} if kind == "aws_iam_role_policy" else {})}
    if kind == "aws_iam_user_policy":
        config["user"] = "u"
    if kind == "aws_iam_group_policy":
        config["group"] = "g"
    return {kind: {"p": config}}, None


def identity(form: str, written: str, *statements: dict[str, Any], source: str = "") -> Form:
    resources, data = role_policy(written, *statements)
    rtype = next(iter(resources))
    name = "r" if rtype == "aws_iam_role" else "p"
    return Form(form, f"{rtype}.{name}", doc(resources, merge(CALLER, data or {})), source)


def trust(service: str, account_bound: bool = True) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    if account_bound:
        statement["Condition"] = {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    return policy(statement)


def allow(action: Any, resource: Any = None, **extra: Any) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": action}
    if resource is not None:
        statement["Resource"] = resource
    statement.update(extra)
    return statement


def deny(action: Any, resource: Any, **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


# A TLS-only bucket policy iterated over a variable (`each.value` is unknown until plan): its only statement is a
# Deny, which grants nothing, so no rule that judges what a policy grants may fail it (IAM-PUB-001, IAM-LP-001).
TLS_DENY_OVER_A_VARIABLE = Form(
    "a TLS-only Deny on buckets from a variable (each.value: a Deny grants nothing)",
    "aws_s3_bucket_policy.p",
    doc(
        {
            "aws_s3_bucket_policy": {
                "p": {
                    "for_each": "${var.buckets}",
                    "bucket": "${each.value}",
                    "policy": as_jsonencode(
                        policy(
                            deny(
                                "s3:*",
                                ["${each.value.arn}", "${each.value.arn}/*"],
                                Principal="*",
                                Condition={"Bool": {"aws:SecureTransport": "false"}},
                            )
                        )
                    ),
                }
            }
        }
    ),
)


def bucket(name: str = "b", **companions: Any) -> dict[str, Any]:
    resources: dict[str, Any] = {"aws_s3_bucket": {name: {"bucket": f"fixture-{name}", "force_destroy": True}}}
    for rtype, config in companions.items():
        resources[f"aws_s3_bucket_{rtype}"] = {f"{name}_{rtype}": {"bucket": f"${{aws_s3_bucket.{name}.id}}", **config}}
    return resources


def iterated_bucket(name: str = "b", how: str = "for_each", **companions: Any) -> dict[str, Any]:
    """A bucket written with `count` or `for_each`, and its companions iterated the way cdktf writes them: over the
    bucket (`TerraformIterator.from_resources`: `for_each = "${aws_s3_bucket.b}"`, `bucket = "${each.value.id}"`),
    or by index (`count`: `"${aws_s3_bucket.b[count.index].id}"`)."""
    config: dict[str, Any] = {"bucket": f"fixture-{name}", "force_destroy": True}
    if how == "count":
        config["count"] = 2
        reach, iterate = f"${{aws_s3_bucket.{name}[count.index]", {"count": 2}
    else:
        config["for_each"] = '${toset(["raw", "curated"])}'
        reach, iterate = "${each.value", {"for_each": f"${{aws_s3_bucket.{name}}}"}
    resources: dict[str, Any] = {"aws_s3_bucket": {name: config}}
    for rtype, body in companions.items():  # "${BUCKET_ARN}" (or BUCKET_ARN inside jsonencode): the bucket's ARN
        text = json.dumps(body).replace("${BUCKET_ARN}", f"{reach}.arn}}").replace("BUCKET_ARN", f"{reach[2:]}.arn")
        resources[f"aws_s3_bucket_{rtype}"] = {
            f"{name}_{rtype}": {"bucket": f"{reach}.id}}", **iterate, **json.loads(text)}
        }
    return resources


def cmk_forms(rtype: str, key_attribute: str, config: dict[str, Any], source: str) -> tuple[list[Form], list[Form]]:
    """The failing and passing ways to name a resource's KMS key, for every customer-managed-key rule."""
    subject = f"{rtype}.x"

    def with_key(value: Any, extra: dict[str, Any] | None = None, data: dict[str, Any] | None = None, **kw: Any):
        body = dict(config)
        if value is not None:
            body[key_attribute] = value
        return doc(merge({rtype: {"x": body}}, extra or {}), data, **kw)

    fail = [
        Form("no key set (AWS-owned or AWS-managed key)", subject, with_key(None)),
        Form("AWS-managed alias written literally", subject, with_key(f"alias/aws/{rtype.split('_')[1]}")),
        Form(
            "aws_kms_alias resource naming an AWS-managed alias",
            subject,
            with_key("${aws_kms_alias.a.arn}", {"aws_kms_alias": {"a": {"name": "alias/aws/s3"}}}),
        ),
        Form(
            "data.aws_kms_key of an AWS-managed alias",
            subject,
            with_key("${data.aws_kms_key.aws.arn}", data={"aws_kms_key": {"aws": {"key_id": "alias/aws/s3"}}}),
        ),
        Form("key from a variable the stack does not show", subject, with_key("${var.key_arn}")),
        Form(
            "reference to something that is not a key",
            subject,
            with_key("${aws_s3_bucket.other.arn}", {"aws_s3_bucket": {"other": {"bucket": "other"}}}),
        ),
    ]
    passing = [
        Form("reference to an aws_kms_key in the stack", subject, with_key(KEY_REF, KEY), source),
        Form(
            "data.aws_kms_key of a team alias",
            subject,
            with_key("${data.aws_kms_key.team.arn}", data={"aws_kms_key": {"team": {"key_id": "alias/team"}}}),
        ),
        Form(
            "key ARN written literally",
            subject,
            with_key("arn:aws:kms:eu-central-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
        ),
        Form(
            "resource on an aliased provider with a CMK",
            subject,
            with_key(
                KEY_REF,
                merge(KEY, {rtype: {"x": {**config, key_attribute: KEY_REF, "provider": "aws.replica"}}}),
                aliases=("replica",),
            ),
        ),
    ]
    return fail, passing
