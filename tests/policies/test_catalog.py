"""The control catalog: complete, well-formed, and a broken one is refused with a clear message."""

from __future__ import annotations

import copy
import re

import pytest
import yaml

from compliance.__main__ import main
from policies.catalog import CATALOG, CatalogError, default_catalog, parse_catalog
from policies.rulebook import all_rules

FORMATS = {
    "iec62443": r"^SR [1-7]\.\d{1,2}$",
    "nist80053": r"^[A-Z]{2}-\d{1,2}(\(\d{1,2}\))?$",
    "securityhub": r"^(S3|Kinesis|RDS|SNS|KMS|IAM|EC2|SecretsManager|CloudWatch)\.\d{1,3}$",
    "config": r"^[A-Z][A-Z0-9_]+[A-Z0-9]$",
}


def test_every_rule_maps_to_a_control_and_every_control_is_enforced():
    catalog = default_catalog()
    unmapped = [r.id for r in all_rules() if not catalog.controls_for(r.id)]
    assert not unmapped, f"rules without a control: {unmapped}"
    for control in catalog.controls:
        assert control.rules or control.checkov, f"{control.id} has nothing enforcing it"
    # A twin tests part of its rule's control: it is mapped to it as well.
    for rule in all_rules():
        for twin in rule.covers:
            assert set(catalog.controls_for(rule.id)) & set(catalog.controls_for(twin)), (rule.id, twin)


def test_a_builtin_takes_the_category_and_severity_of_its_highest_control():
    catalog = default_catalog()
    assert catalog.category_of("CKV_AWS_145") == "encryption" and catalog.severity_of("CKV_AWS_145") == "high"
    assert catalog.category_of("CKV_AWS_116") is None and catalog.severity_of("CKV_AWS_116") is None
    for control in catalog.controls:
        for check_id in control.checkov:
            severities = [catalog.control(c).severity for c in catalog.controls_for(check_id)]
            assert catalog.severity_of(check_id) == min(severities, key=["critical", "high", "medium", "low"].index)


def test_identifiers_match_their_framework_formats():
    for control in default_catalog().controls:
        for framework, pattern in FORMATS.items():
            for identifier in control.mappings[framework]:
                assert re.match(pattern, identifier), f"{control.id}: {framework} id {identifier!r}"


def _document():
    return yaml.safe_load(CATALOG.read_text())


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["controls"][0].update(rules=["NOPE-ABC-001"]), "unknown rule"),
        (lambda d: d["controls"][0].update(checkov=["CKV_AWS_99999"]), "unknown Checkov check"),
        (lambda d: d["controls"][0].update(severity="severe"), "severity"),
        (lambda d: d["controls"][0]["mappings"].update(nist80053=["sc8"]), "nist80053"),
        (lambda d: d["controls"][0]["mappings"].update(iec62443=["SR 9.1"]), "iec62443"),
        (lambda d: d["controls"][1].update(id=d["controls"][0]["id"]), "duplicate"),
        (lambda d: d["controls"][0].pop("objective"), "objective"),
        (lambda d: d["controls"][0].update(category="availability"), "category"),
        (lambda d: d["controls"][0].pop("category"), "category"),
    ],
)
def test_broken_catalogs_are_refused_clearly(mutate, message):
    document = copy.deepcopy(_document())
    mutate(document)
    with pytest.raises(CatalogError, match=message):
        parse_catalog(document)


def test_gate_exits_2_on_a_dangling_catalog(ephemeral, tmp_path, capsys):
    document = _document()
    document["controls"][0]["rules"].append("GONE-RULE-001")
    broken = tmp_path / "catalog.yaml"
    broken.write_text(yaml.safe_dump(document))
    assert main(["check", str(ephemeral.outdir), "--out", str(tmp_path / "r"), "--catalog", str(broken)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "GONE-RULE-001" in err and "\n" not in err
