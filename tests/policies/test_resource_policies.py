"""Every resource type of AWS provider 5.100 that holds a policy document is read (policies/iam/sources.py) or named
with the reason it is not; every type read is judged for public principals (IAM-PUB-001) and wildcard actions
(IAM-LP-001) in the engine, whichever attribute (or nested block) holds its policy."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from policies.engine import judge
from policies.fixtures import CALLER, ROOT, as_json, doc, policy
from policies.iam.sources import IDENTITY_POLICIES, KEY_POLICY_TYPES, NOT_READ, RESOURCE_POLICIES, TRUST_POLICIES
from policies.model import StackView
from policies.rulebook import rule_by_id

BINDINGS = Path(importlib.util.find_spec("cdktf_cdktf_provider_aws").origin).parent
_LINK = re.compile(r"docs/resources/([a-z0-9_]+)#([a-z0-9_]+) ")
_STRING = re.compile(r"^\s+(\w+): (?:typing\.Optional\[)?builtins\.str\b", re.MULTILINE)
# Attribute names that hold a policy document somewhere in the provider; on a type named *_policy, any string
# attribute naming a policy (not its id, name, type, revision or version).
DOCUMENT_NAMES = {
    "policy",
    "policy_document",
    "access_policy",
    "access_policies",
    "resource_policy",
    "repository_policy",
    "session_policy",
    "assume_role_policy",
    "inline_policy",
}
NOT_A_DOCUMENT = re.compile(r"(_id|_arn|_name|_type|_revision|_version)$")


def _policy_attributes() -> set[tuple[str, str]]:
    """(type, attribute) of every string attribute of the bindings' resources that may hold a policy document."""
    found = set()
    for module in BINDINGS.glob("*/__init__.py"):
        text = module.read_text()
        strings = set(_STRING.findall(text))
        for rtype, attribute in _LINK.findall(text):
            rtype = f"aws_{rtype}"
            named = attribute in DOCUMENT_NAMES
            on_policy_type = rtype.endswith("_policy") and "polic" in attribute and not NOT_A_DOCUMENT.search(attribute)
            if attribute in strings and (named or on_policy_type):
                found.add((rtype, attribute))
    return found


def test_every_policy_document_of_the_provider_is_read_or_named_with_why():
    attributes = _policy_attributes()
    assert len(attributes) > 80, "the bindings' layout changed: the scan found too little"
    known = {*RESOURCE_POLICIES, *IDENTITY_POLICIES, *TRUST_POLICIES, "aws_iam_role", *NOT_READ}
    unclassified = sorted(f"{t}.{a}" for t, a in attributes if t not in known)
    assert not unclassified, (
        f"read these in policies/iam/sources.py RESOURCE_POLICIES, or say in NOT_READ why not: {unclassified}"
    )
    read_where = {t: a.split(".")[-1] for t, a in RESOURCE_POLICIES.items()}
    wrong = sorted(f"{t}.{a}" for t, a in read_where.items() if (t, a) not in attributes)
    assert not wrong, f"RESOURCE_POLICIES names attributes the provider does not have: {wrong}"
    stale = sorted(t for t in NOT_READ if t not in {t for t, _ in attributes})
    assert not stale, f"NOT_READ names types that hold no policy document: {stale}"


def _subject(rtype: str, statement: dict) -> tuple[StackView, object]:
    *blocks, name = RESOURCE_POLICIES[rtype].split(".")
    config: dict = {name: as_json(policy(statement))}
    for block in reversed(blocks):
        config = {block: [config]}
    view = StackView(doc({rtype: {"x": config}}, CALLER), "fixture")
    return view, view.get(rtype, "x")


def _status(rule_id: str, rtype: str, statement: dict) -> str:
    view, resource = _subject(rtype, statement)
    outcome = judge(rule_by_id(rule_id), resource, view, "ephemeral")
    assert outcome is not None, f"{rule_id} does not judge {rtype}"
    return outcome.status


TYPES = sorted(RESOURCE_POLICIES)
NAMED = {"Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "s3:GetObject", "Resource": "*"}


@pytest.mark.parametrize("rtype", TYPES)
def test_a_public_statement_fails_iam_pub_001(rtype):
    assert _status("IAM-PUB-001", rtype, {**NAMED, "Principal": "*"}) == "failed"


@pytest.mark.parametrize("rtype", TYPES)
def test_a_wildcard_action_fails_iam_lp_001(rtype):
    principal = {"AWS": "arn:aws:iam::111122223333:role/app"} if rtype in KEY_POLICY_TYPES else NAMED["Principal"]
    assert _status("IAM-LP-001", rtype, {**NAMED, "Principal": principal, "Action": "s3:*"}) == "failed"


@pytest.mark.parametrize("rtype", TYPES)
def test_a_named_principal_and_action_pass_both(rtype):
    assert (_status("IAM-PUB-001", rtype, NAMED), _status("IAM-LP-001", rtype, NAMED)) == ("passed", "passed")


TOP_LEVEL = sorted({(t, a) for t, a in RESOURCE_POLICIES.items() if "." not in a})


@pytest.mark.parametrize("rtype,attribute", TOP_LEVEL, ids=[t for t, _ in TOP_LEVEL])
def test_a_policy_written_as_a_reference_to_another_resources_policy_is_followed(rtype, attribute):
    """A bucket policy written as `${<type>.x.<attribute>}` is judged by the document the other resource holds, not
    failed as unreadable (policies/iam/documents.py POLICY_ATTRIBUTES)."""
    public = as_json(policy({**NAMED, "Principal": "*"}))
    resources = {
        rtype: {"x": {attribute: public}},
        "aws_s3_bucket_policy": {"p": {"bucket": "b", "policy": f"${{{rtype}.x.{attribute}}}"}},
    }
    view = StackView(doc(resources, CALLER), "fixture")
    outcome = judge(rule_by_id("IAM-PUB-001"), view.get("aws_s3_bucket_policy", "p"), view, "ephemeral")
    assert outcome.status == "failed"
    assert "whose content this stack does not show" not in outcome.line()
