"""Policy readers: every form a policy arrives in, and fail-closed errors for the forms no rule can read."""

from __future__ import annotations

import json

import pytest

from policies.iam.documents import PolicyUnreadable, parse_hcl_expression, statements
from policies.lookups import customer_managed_key
from policies.model import StackView


def view(resources=None, data=None):
    return StackView({"resource": resources or {}, "data": data or {}}, "s")


def test_hcl_literals_references_and_escapes():
    text = (
        '{"Version" = "2012-10-17", Statement = [{Effect = "Allow", Action = ["s3:GetObject"], '
        'Resource = aws_s3_bucket.b.arn, N = 3, F = false, X = null, Q = "say \\"hi\\"\\n"}]}'
    )
    statement = parse_hcl_expression(text)["Statement"][0]
    assert statement["Resource"] == "${aws_s3_bucket.b.arn}"
    assert (statement["N"], statement["F"], statement["X"]) == (3, False, None)
    assert statement["Q"] == 'say "hi"\n'


@pytest.mark.parametrize(
    "value",
    [
        "",
        '${file("p.json")}',
        "[1]",
        "not json",
        "${data.aws_iam_policy_document.missing.json}",
        "${jsonencode([1])}",
        "${jsonencode({Statement = [for s in var.x : s]})}",
        '${jsonencode({Statement = [{Effect = "Allow", Action = var.actions, Resource = "*"}]})}',
        json.dumps({"Statement": [{"Effect": "Allow", "Action": "${var.a}", "Resource": "*"}]}),
        json.dumps({"Statement": [{"Effect": "Maybe", "Action": "s3:GetObject", "Resource": "*"}]}),
    ],
)
def test_unreadable_policies_are_reported(value):
    with pytest.raises(PolicyUnreadable):
        statements(value, view())


def test_data_source_merges_and_dynamic_blocks_fail():
    data = {
        "aws_iam_policy_document": {
            "base": {"statement": [{"sid": "A", "actions": ["kms:Decrypt"], "resources": ["*"]}]},
            "over": {"statement": [{"sid": "A", "effect": "Deny", "actions": ["kms:Decrypt"], "resources": ["*"]}]},
            "d": {
                "source_policy_documents": ["${data.aws_iam_policy_document.base.json}"],
                "override_policy_documents": ["${data.aws_iam_policy_document.over.json}"],
                "statement": [
                    {
                        "not_actions": ["s3:*"],
                        "not_resources": ["arn:aws:s3:::x"],
                        "not_principals": [{"type": "AWS", "identifiers": ["*"]}],
                    }
                ],
            },
            "dyn": {"dynamic": {"statement": {"for_each": "${var.x}"}}},
        }
    }
    merged = statements("${data.aws_iam_policy_document.d.json}", view(data=data))
    assert [s.effect for s in merged] == ["Deny", "Allow"]  # the override replaced Sid A
    assert merged[1].not_actions == ("s3:*",) and merged[1].not_principals == {"AWS": ("*",)}
    with pytest.raises(PolicyUnreadable, match="dynamic"):
        statements("${data.aws_iam_policy_document.dyn.json}", view(data=data))


def test_customer_managed_key_forms():
    v = view(
        {
            "aws_kms_key": {"k": {}},
            "aws_kms_alias": {"a": {"name": "alias/aws/s3"}, "b": {"name": "alias/mine"}},
            "aws_s3_bucket": {"x": {}},
        }
    )
    assert customer_managed_key("${aws_kms_key.k.arn}", v)[0]
    assert customer_managed_key("${aws_kms_alias.b.arn}", v)[0]
    assert not customer_managed_key("${aws_kms_alias.a.arn}", v)[0]
    assert not customer_managed_key("${aws_s3_bucket.x.arn}", v)[0]
    assert not customer_managed_key("${var.key}", v)[0]  # fail closed: could be an AWS-managed key
    assert customer_managed_key("arn:aws:kms:eu-central-1:1:key/abc", v)[0]
    assert not customer_managed_key(None, v)[0] and not customer_managed_key("plain", v)[0]
