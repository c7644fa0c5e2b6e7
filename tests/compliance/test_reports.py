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
    "advisory",
    "exceptions",
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
    # CTL-AUTH-02 (IAM users, password policy, API authorizers): the platform has none of those resources.
    assert status.pop("CTL-AUTH-02") == "not evaluated" and set(status.values()) == {"passed"}
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
    # This stack fails nothing: every result is a suppression, a recorded exception or a replacement, justified.
    assert run["results"] and all(r["suppressions"][0]["justification"] for r in run["results"])
    assert {r["properties"]["status"] for r in run["results"]} == {"suppressed", "exempt", "replaced"}


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
    assert "### Recorded exceptions" in text and "fails at medium and above" in text


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
