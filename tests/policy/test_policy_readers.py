"""Policy readers: every form a policy arrives in, and the HCL that cdktf writes inside jsonencode()."""

from __future__ import annotations

import json

import pytest

from policies.iam import HclExpression, PolicyUnreadable, statements
from policies.lookups import customer_managed_key
from policies.model import StackView


def view(resources=None, data=None):
    return StackView({"resource": resources or {}, "data": data or {}}, "s")


def test_hcl_literals_references_and_nesting():
    text = (
        '{"Version" = "2012-10-17", Statement = [{Effect = "Allow", Action = ["s3:GetObject"], '
        "Resource = aws_s3_bucket.b.arn, N = 3, F = false, T = true, X = null, "
        'Q = "say \\"hi\\"\\n", Fn = join("/", [aws_s3_bucket.b.arn, "*"])}]}'
    )
    parsed = HclExpression(text).parse()
    statement = parsed["Statement"][0]
    assert statement["Resource"] == "${aws_s3_bucket.b.arn}"
    assert (statement["N"], statement["F"], statement["T"], statement["X"]) == (3, False, True, None)
    assert statement["Q"] == 'say "hi"\n'
    assert statement["Fn"] == '${join("/", [aws_s3_bucket.b.arn, "*"])}'


@pytest.mark.parametrize("bad", ['{"a" "b"}', '{"a" = "b"', '{"a" = "b"} extra', "{1 = 2}", '"unterminated'])
def test_hcl_errors_are_policy_unreadable(bad):
    with pytest.raises(PolicyUnreadable):
        HclExpression(bad).parse()


def test_statements_from_every_form():
    doc = {"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Principal": "*"}}
    found = statements(json.dumps(doc), view())
    assert found[0]["Action"] == ["s3:GetObject"] and found[0]["Principal"] == {"AWS": ["*"]}
    assert statements(doc, view())[0]["Resource"] == ["*"]
    data = {
        "aws_iam_policy_document": {
            "base": {"statement": [{"actions": ["kms:Decrypt"], "resources": ["*"]}]},
            "d": {
                "source_policy_documents": ["${data.aws_iam_policy_document.base.json}"],
                "statement": [
                    {
                        "effect": "Deny",
                        "not_actions": ["s3:*"],
                        "not_resources": ["arn:aws:s3:::x"],
                        "not_principals": [{"type": "AWS", "identifiers": ["*"]}],
                        "condition": [{"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]}],
                    }
                ],
            },
        }
    }
    merged = statements("${data.aws_iam_policy_document.d.json}", view(data=data))
    assert [s["Effect"] for s in merged] == ["Allow", "Deny"]
    assert merged[1]["NotAction"] == ["s3:*"] and merged[1]["Condition"]["Bool"]["aws:SecureTransport"] == ["false"]


@pytest.mark.parametrize(
    "value",
    ["", '${file("p.json")}', "[1]", "not json", "${data.aws_iam_policy_document.missing.json}", "${jsonencode([1])}"],
)
def test_unreadable_policies_are_reported(value):
    with pytest.raises(PolicyUnreadable):
        statements(value, view())


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
    assert customer_managed_key("${var.key}", v)[0]
    assert customer_managed_key("arn:aws:kms:eu-central-1:1:key/abc", v)[0]
    assert customer_managed_key("alias/team-key", v)[0]
    assert not customer_managed_key(None, v)[0] and not customer_managed_key(7, v)[0]
    assert not customer_managed_key("plain", v)[0]
