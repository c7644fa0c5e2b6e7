"""Checkov's built-ins as the engine runs them: the same results as Checkov's own runner, every built-in of the
five synth categories mapped to a control, the built-ins each engine runs, the categories reports show them under,
and our speed-ups of Checkov (each fingerprinted against the Checkov it was written for, each with an off switch)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from policies import builtins
from policies.builtins import index, speedups
from policies.builtins.run import INSTANCE
from policies.catalog import default_catalog
from policies.engine import builtin_ids
from policies.model import CATEGORIES
from policies.profiles import PROFILES
from policies.rulebook import all_rules, relied_on, rule_by_id
from tests.conftest import PROJECT
from tests.policies.fixture_forms import FORMS


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


def _as_resources(results):
    """The runner's results read as `run` reads them: a counted or iterated resource's instances (`b["raw"]`,
    `b[0]`) as the resource, which fails when any instance does (policies/builtins/run.py `worst`)."""
    found: dict[tuple[str, str], bool] = {}
    for check_id, name, passed in results:
        key = (check_id, INSTANCE.sub("", name))
        found[key] = found.get(key, True) and passed
    return {(check_id, name, passed) for (check_id, name), passed in found.items()}


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
        [sys.executable, "-m", "tests.policies.checkov_reference", str(source), str(target)],
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
        theirs = _as_resources(reference[name])
        ours = _ours(document, ids)
        if ours != theirs:
            differ[name] = (sorted(theirs - ours)[:3], sorted(ours - theirs)[:3])
    assert not differ, differ
    assert len(reference["platform"]) > 500


def test_the_aspect_runs_the_five_categories_and_everything_mapped_minus_skips():
    synth, gate = builtin_ids("synth", "ephemeral"), builtin_ids("gate", "ephemeral")
    catalog = builtins.catalog()
    assert {"CKV_AWS_3", "CKV_AWS_27", "CKV_AWS_119", "CKV_AWS_42", "CKV_AWS_16", "CKV_AWS_30"} <= synth  # EBS,
    # SQS, DynamoDB CMK, EFS, RDS instance, ElastiCache transit: unencrypted resources our rules do not cover
    assert "CKV_AWS_21" in synth  # versioning: BACKUP_AND_RECOVERY, but mapped to CTL-RES-01
    assert "CKV_AWS_116" not in synth and catalog["CKV_AWS_116"].categories == ("GENERAL_SECURITY",)
    assert not (synth | gate) & set(PROFILES["ephemeral"].skipped)
    assert gate >= synth and "CKV_AWS_116" in gate and len(gate) == len(catalog) - len(PROFILES["ephemeral"].skipped)
    assert "CKV_AWS_139" in builtin_ids("gate", "production")  # skipped in ephemeral only


def test_no_profile_skips_everywhere_a_check_a_rule_covers_or_replaces():
    skipped_everywhere = set.intersection(*(set(p.skipped) for p in PROFILES.values()))
    assert not skipped_everywhere & relied_on(), sorted(skipped_everywhere & relied_on())
    assert all(len(reason) >= 10 for p in PROFILES.values() for reason in p.skipped.values())
    assert set(PROFILES["production"].skipped) <= set(PROFILES["ephemeral"].skipped)


def test_every_check_a_rule_names_is_a_checkov_builtin():
    known = builtins.catalog()
    named = {c for r in all_rules() for c in (*r.covers, *(c for rep in r.replaces for c in rep.checks))}
    assert named and named <= set(known), sorted(named - set(known))


def test_each_builtin_is_shown_under_one_of_our_categories():
    catalog = default_catalog()
    shown = {i: builtins.category(i, catalog.category_of(i)) for i in builtins.catalog()}
    assert set(shown.values()) <= set(CATEGORIES)
    assert shown["CKV_AWS_145"] == "encryption" and shown["CKV_AWS_21"] == "resilience"  # by their controls
    assert shown["CKV_AWS_116"] == "hardening"  # unmapped, GENERAL_SECURITY
    assert {c for b in builtins.catalog().values() for c in b.categories} <= set(builtins.CHECKOV_CATEGORY)


@pytest.mark.parametrize("check_id", ["CKV_AWS_286", "CKV_AWS_110", "CKV_AWS_288", "CKV_AWS_108"])
def test_privilege_escalation_and_exfiltration_checks_are_nobodys_wildcard_twin(check_id):
    assert check_id not in rule_by_id("IAM-LP-001").covers
    twins = [r.id for r in all_rules() if check_id in r.covers]
    assert twins in ([], ["IAM-ESC-001"]), twins


def test_the_index_is_checkovs_full_registry():
    """policies/builtins/index.json lists every built-in Terraform check of the installed Checkov, as its full
    registries load them (a fresh process: nothing here has entered Checkov's packages)."""
    code = "from policies.builtins.index import build_index, write_index; print(write_index(build_index()), end='')"
    run = subprocess.run([sys.executable, "-c", code], cwd=PROJECT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout == index.INDEX.read_text(), "run python -m policies.builtins.index after a Checkov upgrade"


@pytest.mark.parametrize("speedup", speedups.SPEEDUPS, ids=lambda s: s.name)
def test_each_speedup_patches_what_it_was_written_for(speedup):
    """A Checkov upgrade that changes the code a speed-up relies on fails here: review the patch against the new
    code, then record the new fingerprint (and the version in speedups.WRITTEN_FOR)."""
    from importlib.metadata import version

    assert version("checkov") == speedups.WRITTEN_FOR or speedup.current_fingerprint() == speedup.fingerprint
    assert speedup.current_fingerprint() == speedup.fingerprint, (
        f"{speedup.name}: what it patches changed since Checkov {speedups.WRITTEN_FOR}"
    )


def test_every_speedup_has_an_off_switch_and_off_judges_the_same(ephemeral):
    """With every speed-up off (a fresh process: the patches are applied once per process), the built-ins give the
    same results on the platform stack."""
    code = (
        "import json, sys\n"
        "from policies import builtins\n"
        "from policies.builtins import index\n"
        "doc = json.load(open(sys.argv[1]))\n"
        "results = builtins.run(doc, builtins.catalog())\n"
        "found = sorted([r.check_id, r.address, r.passed] for r in results)\n"
        "print(json.dumps({'lazy': index.lazy(), 'results': found}))"
    )
    source = PROJECT / ".pytest-platform.json"
    source.write_text(json.dumps(ephemeral.document))
    try:
        found = {}
        for off in ("", "all"):
            env = {**__import__("os").environ, speedups.OFF_SWITCH: off}
            run = subprocess.run(
                [sys.executable, "-c", code, str(source)],
                cwd=PROJECT,
                capture_output=True,
                text=True,
                env=env,
                timeout=600,
            )
            assert run.returncode == 0, run.stderr[-2000:]
            found[off] = json.loads(run.stdout)
    finally:
        source.unlink()
    assert found[""]["lazy"] and not found["all"]["lazy"]
    assert found[""]["results"] == found["all"]["results"] and len(found[""]["results"]) > 500


def test_only_the_checks_of_the_stacks_block_types_are_imported():
    code = (
        "import json, sys\n"
        "from policies import builtins\n"
        "from policies.builtins import index\n"
        "doc = {'resource': {'aws_sqs_queue': {'q': {'name': 'q'}}}}\n"
        "results = builtins.run(doc, builtins.catalog())\n"
        "loaded = [m for m in sys.modules if m.startswith('checkov.terraform.checks.resource.')]\n"
        "print(json.dumps({'lazy': index.lazy(), 'loaded': loaded, 'ids': sorted({r.check_id for r in results})}))"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=PROJECT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    found = json.loads(run.stdout)
    assert found["lazy"] and {"CKV_AWS_27", "CKV2_AWS_73"} <= set(found["ids"])
    assert not [m for m in found["loaded"] if ".azure." in m or ".gcp." in m]
    assert len([m for m in found["loaded"] if ".aws." in m]) < 20  # the SQS checks, not all 366 AWS ones
