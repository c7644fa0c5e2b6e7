"""Reports: SARIF 2.1.0, JUnit, Markdown, the auditor HTML (in a real headless Chromium), and re-rendering."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from compliance.__main__ import main
from tests.conftest import PROJECT

ARTIFACTS = PROJECT / "tests" / "artifacts"
SECTIONS = [
    "verdict",
    "posture",
    "coverage",
    "controls",
    "warnings",
    "waived",
    "suppressions",
    "skipped-checks",
    "evidence",
    "stack-picture",
]


@pytest.fixture(scope="module")
def reports(ephemeral, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reports")
    assert main(["check", str(ephemeral.outdir), "--out", str(out)]) == 0
    return out


def test_findings_carry_controls_and_coverage(reports):
    document = json.loads((reports / "findings.json").read_text())
    mapped = [f for f in document["findings"] if f["engine"] == "guardrails"]
    assert mapped and all(f["control_ids"] for f in mapped)
    summary = document["summary"]
    status = {c["id"]: c["status"] for c in summary["controls"]}
    # CTL-AUTH-02 (IAM users, password policy, API authorizers) and CTL-WKL-01 (containers, build projects,
    # notebooks, EFS access points): the platform has none of those resources.
    unevaluated = {status.pop("CTL-AUTH-02"), status.pop("CTL-WKL-01")}
    assert unevaluated == {"not evaluated"} and set(status.values()) == {"passed"}
    assert set(summary["frameworks"]) == {"iec62443", "nist80053", "securityhub", "config"}
    assert summary["frameworks"]["iec62443"]["SR 4.1"]["status"] == "passed"
    graph = document["stacks"][0]["graph"]
    assert {"keys", "lake", "network"} <= {n["group"] for n in graph["nodes"]} and graph["edges"]


def test_sarif(reports):
    sarif = json.loads((reports / "findings.sarif").read_text())
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    rule_ids = {r["id"] for r in run["tool"]["driver"]["rules"]}
    assert {"S3-ENC-001", "IAM-LP-001"} <= rule_ids
    for result in run["results"]:
        assert result["ruleId"] in rule_ids
        location = result["locations"][0]
        assert location["physicalLocation"]["artifactLocation"]["uri"].endswith("cdk.tf.json")
        assert location["physicalLocation"]["region"]["startLine"] >= 1
        assert location["logicalLocations"][0]["fullyQualifiedName"].startswith("iot-platform-ci-test/")
    # This stack fails nothing: every result is a suppression (in source) or a waiver (external), justified.
    assert run["results"] and all(r["suppressions"][0]["justification"] for r in run["results"])
    assert {r["properties"]["status"] for r in run["results"]} == {"suppressed", "waived"}
    kinds = {(r["properties"]["status"], r["suppressions"][0]["kind"]) for r in run["results"]}
    assert kinds == {("suppressed", "inSource"), ("waived", "external")}


def test_junit(reports):
    root = ET.parse(reports / "junit.xml").getroot()
    suite = root.find("testsuite")
    cases = suite.findall("testcase")
    assert int(suite.get("tests")) == len(cases) > 500
    assert int(suite.get("skipped")) == len([c for c in cases if c.find("skipped") is not None]) > 0
    assert suite.get("failures") == "0"


def test_markdown(reports):
    text = (reports / "summary.md").read_text()
    assert text.startswith("## Compliance gate: PASSED") and "CTL-ENC-01" in text and "### Suppressions" in text
    assert "### Waived by the project's policy" in text and "fails at medium and above" in text
    assert "| failed | warning | suppressed | waived | passed |" in text


def test_framework_tables_name_failing_resources_by_construct_path(reports):
    from compliance.coverage import where

    document = json.loads((reports / "findings.json").read_text())
    for f in document["findings"]:
        assert where(f).startswith(f["stack"] + "/")
    controls = document["summary"]["controls"]
    assert all(set(c) >= {"resources_failed", "resources_warned", "checkov", "severity"} for c in controls)


def test_report_command_rerenders_and_refuses_bad_input(reports, tmp_path, capsys):
    for fmt in ("html", "sarif", "junit", "md"):
        target = tmp_path / f"out.{fmt}"
        assert main(["report", str(reports / "findings.json"), "--format", fmt, "--out", str(target)]) == 0
        assert target.stat().st_size > 100
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"findings": [{"rule_id": "X"}]}))
    assert main(["report", str(bad), "--format", "html"]) == 2
    (tmp_path / "notjson.json").write_text("{")
    assert main(["report", str(tmp_path / "notjson.json"), "--format", "md"]) == 2
    assert main(["report", str(tmp_path / "missing.json"), "--format", "md"]) == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if line]
    assert len(errors) == 3 and all(line.startswith("error: ") for line in errors)


def test_a_version_1_findings_document_is_rerendered_with_its_statuses_mapped(reports, tmp_path):
    """Version 1 had seven statuses: advisory is a warning now (mapped to no control), exempt and replaced are
    waived; the rest keep their names."""
    from compliance.findings import V1_STATUS, upgrade, validate_findings

    document = json.loads((reports / "findings.json").read_text())
    old = {**document, "findings": [dict(f) for f in document["findings"]]}
    old.pop("schema_version")
    waived = [f for f in old["findings"] if f["status"] == "waived"]
    for f, status in zip(waived, ["exempt", "replaced"] * len(waived), strict=False):
        f["status"] = status
    old["findings"].append({**old["findings"][0], "status": "advisory", "rule_id": "CKV_AWS_116", "control_ids": []})
    for f in old["findings"]:
        f["promoted"] = False
        if f.get("suppression"):
            f["suppression"] = {k: v for k, v in f["suppression"].items() if k != "source"}
    summary = old["summary"]
    summary["by_status"] = {"advisory": 1, "exempt": 1, "replaced": len(waived) - 1, "passed": 3}
    summary["checks"] = {"failed": [], "warning": [], "advisory": ["CKV_AWS_116"]}
    (tmp_path / "v1.json").write_text(json.dumps(old))
    assert main(["report", str(tmp_path / "v1.json"), "--format", "md", "--out", str(tmp_path / "v1.md")]) == 0
    upgraded = upgrade(old)
    validate_findings(upgraded)
    assert upgraded["schema_version"] == 2 and set(V1_STATUS) == {"advisory", "exempt", "replaced"}
    statuses = [f["status"] for f in upgraded["findings"]]
    assert "warning" in statuses and statuses.count("waived") == len(waived) and "exempt" not in statuses
    assert upgraded["summary"]["by_status"] == {"warning": 1, "waived": len(waived), "passed": 3}
    assert upgraded["summary"]["checks"]["warning"] == ["CKV_AWS_116"]
    assert all(f["suppression"]["source"] == "suppress" for f in upgraded["findings"] if f.get("suppression"))
    text = (tmp_path / "v1.md").read_text()
    assert "### Warnings" in text and "CKV_AWS_116" in text


def test_html_renders_in_headless_chromium(reports):
    browser_path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not browser_path:
        pytest.skip("Debian chromium is not installed (apt-get install chromium): cannot render the HTML report")
    from playwright.sync_api import sync_playwright

    messages, errors = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=browser_path,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 1600})
        page.on("console", lambda m: messages.append(m) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(e))
        requests = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto((reports / "report.html").as_uri())
        for section in SECTIONS:
            assert page.locator(f"section#{section}").count() == 1, section
        assert "PASSED" in page.locator("section#verdict").inner_text()
        assert page.locator("section#stack-picture svg circle").count() >= 8
        assert page.locator("section#posture svg rect").count() >= 3
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=False)
        browser.close()
    assert not messages and not errors, [m.text for m in messages] + [str(e) for e in errors]
    assert all(url.startswith("file://") for url in requests), "the report must not load anything from a network"
