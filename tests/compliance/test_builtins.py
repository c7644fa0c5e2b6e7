"""Checkov's built-ins as the engine runs them: the same results as Checkov's own runner, every built-in of the
five synth categories mapped to a control, and the categories the Aspect runs."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from compliance.catalog import default_catalog
from policies import builtins
from policies.engine import standards
from tests.conftest import PROJECT
from tests.policy.fixture_forms import FORMS


def _ours(document, ids):
    """(check, entity name, passed) as the runner names them: python-check results by name, providers by type."""
    return {
        (
            r.check_id,
            r.address.split(".")[1] if r.address.startswith("provider.") else r.address.split(".")[-1],
            r.passed,
        )
        for r in builtins.run(document, ids)
        if not r.error
    }


def test_results_equal_checkovs_own_runner_on_every_fixture_and_the_platform(ephemeral, tmp_path):
    documents = {
        f"{rule_id}-{kind}-{i}": form.document
        for rule_id, kinds in FORMS.items()
        for kind in ("fail", "pass")
        for i, form in enumerate(kinds[kind])
    }
    documents["platform"] = ephemeral.document
    source, target = tmp_path / "in.json", tmp_path / "out.json"
    source.write_text(json.dumps(documents))
    run = subprocess.run(
        [sys.executable, "-m", "tests.compliance.checkov_reference", str(source), str(target)],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    reference = json.loads(target.read_text())
    ids = set(builtins.catalog())
    differ = {}
    for name, document in documents.items():
        theirs = {tuple(r) for r in reference[name]}
        ours = _ours(document, ids)
        if ours != theirs:
            differ[name] = (sorted(theirs - ours)[:3], sorted(ours - theirs)[:3])
    assert not differ, differ
    assert len(reference["platform"]) > 500


def test_every_builtin_of_the_synth_categories_maps_to_a_control():
    catalog = default_catalog()
    in_categories = {
        b.id for b in builtins.catalog().values() if b.aws and set(b.categories) & set(builtins.SYNTH_CATEGORIES)
    }
    assert len(in_categories) > 300
    unmapped = sorted(i for i in in_categories if not catalog.controls_for(i))
    assert not unmapped, f"built-ins of {builtins.SYNTH_CATEGORIES} without a control: {unmapped}"


def test_the_aspect_runs_the_five_categories_and_everything_mapped_minus_skips():
    judged = standards("ephemeral")
    synth = judged.synth_ids()
    catalog = builtins.catalog()
    assert {"CKV_AWS_3", "CKV_AWS_27", "CKV_AWS_119", "CKV_AWS_42", "CKV_AWS_16", "CKV_AWS_30"} <= synth  # EBS,
    # SQS, DynamoDB CMK, EFS, RDS instance, ElastiCache transit: unencrypted resources our rules do not cover
    assert "CKV_AWS_21" in synth  # versioning: BACKUP_AND_RECOVERY, but mapped to CTL-RES-01
    assert "CKV_AWS_116" not in synth and catalog["CKV_AWS_116"].categories == ("GENERAL_SECURITY",)
    assert not synth & set(judged.policy.skipped_for("ephemeral"))
    assert judged.gate_ids() >= synth and "CKV_AWS_116" in judged.gate_ids()


@pytest.mark.parametrize("check_id", ["CKV_AWS_286", "CKV_AWS_110", "CKV_AWS_288", "CKV_AWS_108"])
def test_privilege_escalation_and_exfiltration_checks_are_nobodys_wildcard_twin(check_id):
    from policies.rulebook import rule_by_id

    assert check_id not in rule_by_id("IAM-LP-001").checkov_ids
    twins = [
        r.id for r in __import__("policies.rulebook", fromlist=["all_rules"]).all_rules() if check_id in r.checkov_ids
    ]
    assert twins in ([], ["IAM-ESC-001"]), twins


def test_the_index_is_checkovs_full_registry():
    """policies/checkov_index.json lists every built-in Terraform check of the installed Checkov, as its full
    registries load them (a fresh process: nothing here has entered Checkov's packages)."""
    code = "from policies.builtins import build_index, write_index; print(write_index(build_index()), end='')"
    run = subprocess.run([sys.executable, "-c", code], cwd=PROJECT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout == builtins.INDEX.read_text(), "run python -m policies.builtins after a Checkov upgrade"


def test_only_the_checks_of_the_stacks_block_types_are_imported():
    code = (
        "import json, sys\n"
        "from policies import builtins\n"
        "doc = {'resource': {'aws_sqs_queue': {'q': {'name': 'q'}}}}\n"
        "results = builtins.run(doc, builtins.catalog())\n"
        "loaded = [m for m in sys.modules if m.startswith('checkov.terraform.checks.resource.')]\n"
        "print(json.dumps({'lazy': builtins.lazy(), 'loaded': loaded, 'ids': sorted({r.check_id for r in results})}))"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=PROJECT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    found = json.loads(run.stdout)
    assert found["lazy"] and {"CKV_AWS_27", "CKV2_AWS_73"} <= set(found["ids"])
    assert not [m for m in found["loaded"] if ".azure." in m or ".gcp." in m]
    assert len([m for m in found["loaded"] if ".aws." in m]) < 20  # the SQS checks, not all 366 AWS ones
