"""A team with an existing estate turns the gate on: `python -m compliance baseline` writes today's failures as
accepted, and the gate and synth then fail only on what is new. Entries survive a logical-id change and another
environment suffix; an action added to a statement is new; entries that match nothing are reported stale;
suppressions and entries may expire."""

from __future__ import annotations

import copy
import json

import pytest

from compliance.__main__ import main
from policies.fixtures import CALLER, as_json, doc, policy
from tests.fixture_stacks import build

TODAY = "2027-01-15"


def _stack(suffix="pr-1", actions=("s3:Put*",), logical="p"):
    """A role whose inline policy grants a wildcard of actions on the environment's bucket (IAM-LP-001 fails it,
    naming the actions and the ARN), in a stack that declares its environment suffix."""
    statement = {"Effect": "Allow", "Action": list(actions), "Resource": f"arn:aws:s3:::data-{suffix}/*"}
    trust = {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    document = doc(
        {
            "aws_iam_role": {"r": {"assume_role_policy": as_json(policy(trust))}},
            "aws_iam_role_policy": {logical: {"role": "${aws_iam_role.r.name}", "policy": as_json(policy(statement))}},
        },
        CALLER,
    )
    document["//"] = {"guardrails": {"environment": suffix}}
    return document


def _synth(document, out):
    from infra.synth import synth

    app, _ = build(document, str(out), name=f"app-{document['//']['guardrails']['environment']}")
    synth(app)
    return out


def _check(out, reports, *extra):
    code = main(["check", str(out), "--out", str(reports), "--today", TODAY, "--workers", "0", *extra])
    return code, json.loads((reports / "findings.json").read_text())


def _failed(findings):
    return sorted({(f["rule_id"], f["resource"]) for f in findings["findings"] if f["status"] == "failed"})


@pytest.fixture
def accepted(tmp_path):
    """The baseline of the first stack's failures."""
    out = _synth(_stack(), tmp_path / "first")
    code, before = _check(out, tmp_path / "r0")
    assert code == 1 and ("IAM-LP-001", "aws_iam_role_policy.p") in _failed(before)
    baseline = tmp_path / "baseline.json"
    assert main(["baseline", str(out), "--out", str(baseline), "--today", TODAY, "--workers", "0"]) == 0
    written = json.loads(baseline.read_text())
    assert written["written"] == TODAY and written["entries"]
    entry = next(e for e in written["entries"] if e["rule_id"] == "IAM-LP-001")
    assert entry["stack"] == "app-{suffix}" and entry["path"] == "aws_iam_role_policy.p"
    assert "arn:aws:s3:::data-{suffix}/*" in entry["names"] and "s3:Put*" in entry["names"]
    return baseline


def test_the_baseline_accepts_what_it_lists_with_its_source(tmp_path, accepted):
    code, findings = _check(tmp_path / "first", tmp_path / "r1", "--baseline", str(accepted))
    assert code == 0, _failed(findings)
    lp = next(f for f in findings["findings"] if f["rule_id"] == "IAM-LP-001")
    assert lp["status"] == "suppressed" and lp["suppression"]["source"].startswith(f"baseline {accepted}")
    assert TODAY in lp["suppression"]["source"] and findings["baseline"]["stale"] == []
    sarif = json.loads((tmp_path / "r1" / "findings.sarif").read_text())
    kinds = {r["suppressions"][0]["kind"] for r in sarif["runs"][0]["results"] if r["ruleId"] == "IAM-LP-001"}
    assert kinds == {"external"}


def test_another_environment_and_another_logical_id_still_match(tmp_path, accepted):
    """A second synth with another suffix, and the policy's logical id overridden (the construct path stays)."""
    document = _stack(suffix="pr-2")
    renamed = document["resource"]["aws_iam_role_policy"].pop("p")
    renamed["//"] = {"metadata": {"path": "app-pr-2/aws_iam_role_policy.p"}}
    document["resource"]["aws_iam_role_policy"]["p_renamed"] = renamed
    out = tmp_path / "second"
    (out / "stacks" / "app-pr-2").mkdir(parents=True)
    (out / "stacks" / "app-pr-2" / "cdk.tf.json").write_text(json.dumps(_with_paths(document, "app-pr-2")))
    code, findings = _check(out, tmp_path / "r2", "--baseline", str(accepted))
    assert code == 0, _failed(findings)
    lp = next(f for f in findings["findings"] if f["rule_id"] == "IAM-LP-001")
    assert lp["resource"] == "aws_iam_role_policy.p_renamed" and lp["status"] == "suppressed"


def _with_paths(document, stack):
    """Construct paths as cdktf writes them (the gate reads them from each block's metadata)."""
    found = copy.deepcopy(document)
    for section in ("resource", "data"):
        for rtype, items in found.get(section, {}).items():
            for name, config in items.items():
                config.setdefault("//", {"metadata": {"path": f"{stack}/{rtype}.{name}"}})
    return found


def test_an_action_added_to_an_accepted_statement_is_new(tmp_path, accepted):
    out = _synth(_stack(actions=("s3:Put*", "s3:Delete*")), tmp_path / "wider")
    code, findings = _check(out, tmp_path / "r3", "--baseline", str(accepted))
    assert code == 1 and ("IAM-LP-001", "aws_iam_role_policy.p") in _failed(findings)


def test_entries_that_match_nothing_are_stale(tmp_path, accepted, capsys):
    document = _stack()
    document["resource"]["aws_iam_role_policy"]["p"]["policy"] = as_json(
        policy({"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::data-pr-1/*"})
    )
    out = _synth(document, tmp_path / "fixed")
    _, findings = _check(out, tmp_path / "r4", "--baseline", str(accepted))
    stale = findings["baseline"]["stale"]
    assert any(e["rule_id"] == "IAM-LP-001" for e in stale)
    assert "matches nothing any more" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("expires", "status", "said"),
    [
        ("2027-01-10", "failed", "suppression expired on 2027-01-10"),
        ("2027-01-20", "suppressed", "suppression expires on 2027-01-20"),
        ("2027-06-01", "suppressed", ""),
    ],
    ids=["expired", "expiring", "later"],
)
def test_a_suppression_may_expire(tmp_path, expires, status, said, capsys):
    from infra.synth import synth
    from policies import suppress

    app, stack = build(_stack(), str(tmp_path / "out"), name="app-pr-1")
    suppress(
        stack.node.find_child("aws_iam_role_policy.p"), "IAM-LP-001", reason="reviewed: the writer", expires=expires
    )
    synth(app)
    _, findings = _check(tmp_path / "out", tmp_path / "r")
    lp = next(f for f in findings["findings"] if f["rule_id"] == "IAM-LP-001")
    assert lp["status"] == status
    if status == "failed":
        assert said in lp["message"]
    else:
        assert lp["suppression"]["expires"] == expires and (said in lp["reason"] if said else True)
    err = capsys.readouterr().err  # an expired or expiring acceptance is on a printed line, with its date
    assert said in err if said else "suppression expire" not in err


def test_a_baseline_entry_may_expire(tmp_path, accepted):
    written = json.loads(accepted.read_text())
    for entry in written["entries"]:
        entry["expires"] = "2027-01-01"
    accepted.write_text(json.dumps(written))
    code, findings = _check(tmp_path / "first", tmp_path / "r5", "--baseline", str(accepted))
    lp = next(f for f in findings["findings"] if f["rule_id"] == "IAM-LP-001")
    assert code == 1 and lp["status"] == "failed" and "suppression expired on 2027-01-01" in lp["message"]


def test_synth_reads_the_same_baseline(tmp_path, accepted):
    """guard(app, baseline=FILE) (and the cdktf context key guardrailsBaseline): synth fails only on what is new."""
    from cdktf import App

    from infra.synth import SynthFailed, synth
    from policies import guard
    from tests.fixture_stacks import add_stack

    for context, given in (({}, str(accepted)), ({"guardrailsBaseline": str(accepted)}, None)):
        app = App(outdir=str(tmp_path / f"guarded-{bool(given)}"), context=context)
        add_stack(app, "app-pr-1", _stack())
        guardrails = guard(app, baseline=given)
        synth(app)  # passes: its one failure is accepted
        assert next(o for o in guardrails.findings["app-pr-1"] if o.id == "IAM-LP-001").status == "suppressed"
    app = App(outdir=str(tmp_path / "guarded-wider"))
    add_stack(app, "app-pr-1", _stack(actions=("s3:Put*", "s3:Delete*")))
    guard(app, baseline=str(accepted))
    with pytest.raises(SynthFailed, match="IAM-LP-001"):
        synth(app)


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("{", "the baseline is not JSON"),
        ('{"schema_version": 1, "written": "2027-01-01"}', "not a baseline file"),
        (None, "no such baseline file"),
    ],
)
def test_a_bad_baseline_is_one_line_and_exit_2(tmp_path, capsys, content, says):
    out = _synth(_stack(), tmp_path / "out")
    path = tmp_path / "baseline.json"
    if content is not None:
        path.write_text(content)
    assert main(["check", str(out), "--out", str(tmp_path / "r"), "--baseline", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and says in err[0], err
