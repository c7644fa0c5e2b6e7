"""Whose account it is: AWS's default key policy with the account id written literally, as the KMS Developer Guide
shows it, passes both engines once the account is declared (guard(app, accounts=[...]), the cdktf context key
guardrailsAccounts, the gate's --account-id), and fails exactly one rule, naming the account and the three ways to
declare it, while it is not."""

from __future__ import annotations

import json

import pytest

from compliance.__main__ import main
from policies.fixtures import CALLER, LITERAL_ACCOUNT, allow, as_json, doc, policy
from tests.fixture_stacks import build

DEFAULT = {
    "Sid": "Enable IAM User Permissions",
    **allow("kms:*", "*", Principal={"AWS": f"arn:aws:iam::{LITERAL_ACCOUNT}:root"}),
}
KEY = doc(
    {
        "aws_kms_key": {
            "k": {"enable_key_rotation": True, "deletion_window_in_days": 7, "policy": as_json(policy(DEFAULT))}
        }
    },
    CALLER,
)


def _synth(tmp_path, accounts=None, context=None):
    """(outcomes at synth, synth failed?) with Guardrails; and a bare synth of the same stack for the gate."""
    from cdktf import App

    from infra.synth import SynthFailed, synth
    from policies import guard
    from tests.fixture_stacks import add_stack

    app = App(outdir=str(tmp_path / "guarded"), context=context or {})
    stack = add_stack(app, "fixture", KEY)
    guardrails = guard(app, profile="ephemeral", accounts=accounts)
    try:
        synth(app)
        failed = False
    except SynthFailed:
        failed = True
    bare, _ = build(KEY, str(tmp_path / "bare"))
    synth(bare)
    return guardrails.findings[stack.node.id], failed


def _failing(outcomes):
    return {(o.id, o.address) for o in outcomes if o.status == "failed"}


def test_an_undeclared_literal_account_fails_one_rule_naming_the_account_and_the_ways_to_declare_it(tmp_path):
    outcomes, failed = _synth(tmp_path)
    assert failed and _failing(outcomes) == {("KMS-POL-001", "aws_kms_key.k")}, sorted(_failing(outcomes))
    message = next(o.message for o in outcomes if o.id == "KMS-POL-001")
    assert LITERAL_ACCOUNT in message
    for way in ("guard(app, accounts=[...])", "guardrailsAccounts", "--account-id"):
        assert way in message, message
    assert main(["check", str(tmp_path / "bare"), "--out", str(tmp_path / "r")]) == 1
    gated = json.loads((tmp_path / "r" / "findings.json").read_text())
    assert {(f["rule_id"], f["resource"]) for f in gated["findings"] if f["status"] == "failed"} == {
        ("KMS-POL-001", "aws_kms_key.k")
    }


@pytest.mark.parametrize(
    ("accounts", "context"),
    [([LITERAL_ACCOUNT], None), (None, {"guardrailsAccounts": [LITERAL_ACCOUNT]})],
    ids=["guard-accounts", "context-key"],
)
def test_a_declared_account_passes_both_engines(tmp_path, accounts, context):
    outcomes, failed = _synth(tmp_path, accounts, context)
    assert not failed and not _failing(outcomes)
    guarded = next((tmp_path / "guarded" / "stacks").glob("*/cdk.tf.json"))
    assert json.loads(guarded.read_text())["//"]["guardrails"]["accounts"] == [LITERAL_ACCOUNT]
    assert main(["check", str(tmp_path / "guarded"), "--out", str(tmp_path / "r")]) == 0  # read from the metadata


def test_the_gate_takes_accounts_for_json_synthesized_without_guard(tmp_path, capsys):
    _synth(tmp_path)
    bare = str(tmp_path / "bare")
    assert main(["check", bare, "--out", str(tmp_path / "r"), "--account-id", LITERAL_ACCOUNT]) == 0
    assert main(["check", bare, "--out", str(tmp_path / "r"), "--account-id", "1111-2222"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == "error: --account-id '1111-2222': an AWS account id is 12 digits"


def test_guard_refuses_an_account_that_is_not_one(tmp_path):
    from cdktf import App

    from policies import guard
    from tests.fixture_stacks import add_stack

    app = App(outdir=str(tmp_path))
    add_stack(app, "fixture", KEY)
    with pytest.raises(ValueError, match="12 digits"):
        guard(app, accounts=["not-an-account"])
