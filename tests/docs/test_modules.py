"""What the code says of itself: every module opens with a docstring that says what it is for, dependencies run one
way (infra -> policies, compliance -> policies; policies imports neither), and the reference pages generated from
the code are the code's (docs/rules.md; the findings schema's statuses, severities, categories and profiles)."""

from __future__ import annotations

import ast
import json
import subprocess

import pytest

from tests.conftest import PROJECT

PACKAGES = ("infra", "policies", "compliance", "anomaly", "bench")


def _modules(*packages: str) -> list:
    tracked = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "--", *packages],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return sorted(PROJECT / path for path in tracked if path.endswith(".py") and (PROJECT / path).is_file())


@pytest.mark.parametrize("package", PACKAGES)
def test_every_module_opens_with_a_docstring_that_says_what_it_is_for(package):
    missing = []
    for path in _modules(package):
        tree = ast.parse(path.read_text())
        docstring = ast.get_docstring(tree)
        if path.name == "__init__.py" and not tree.body:
            continue  # an empty package marker says nothing and needs nothing
        if not docstring or len(docstring.split()) < 4:
            missing.append(str(path.relative_to(PROJECT)))
    assert not missing, "modules without a docstring that says what they are for: " + ", ".join(missing)


def _imports(path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [("policies", {"compliance", "infra", "anomaly"}), ("infra", {"compliance"}), ("compliance", {"infra"})],
)
def test_dependencies_run_one_way(package, forbidden):
    """compliance may synthesize the platform (--synth) only through `python -m infra`'s entry, imported lazily
    in compliance/__main__.py: that one call is the allowed exception, and no other module of compliance has it."""
    wrong = {}
    for path in _modules(package):
        bad = _imports(path) & forbidden
        if package == "compliance" and path.name == "__main__.py":
            bad -= {"infra"}
        if bad:
            wrong[str(path.relative_to(PROJECT))] = sorted(bad)
    assert not wrong, wrong


def test_the_rules_page_is_the_rulebooks():
    from policies.rulebook import RULES_PAGE, rules_page

    assert (PROJECT / RULES_PAGE).read_text() == rules_page(), "run `python -m policies.rulebook`"


def test_the_findings_schema_names_what_the_code_defines():
    """The schema is published for other tools; its enumerations are the code's single definitions."""
    from policies.engine import STATUSES
    from policies.model import CATEGORIES, SEVERITIES
    from policies.profiles import PROFILES

    defs = json.loads((PROJECT / "compliance" / "schemas" / "findings.schema.json").read_text())["$defs"]
    assert defs["status"]["enum"] == list(STATUSES)
    assert defs["severity"]["enum"] == list(SEVERITIES)
    assert defs["category"]["enum"] == list(CATEGORIES)
    assert defs["profile"]["enum"] == list(PROFILES)
    catalog = json.loads((PROJECT / "compliance" / "schemas" / "catalog.schema.json").read_text())
    control = catalog["properties"]["controls"]["items"]["properties"]
    assert control["severity"]["enum"] == list(SEVERITIES)
