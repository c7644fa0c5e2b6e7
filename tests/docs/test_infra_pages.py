"""The infra pages of docs/ cannot drift from the code: each generated table (the configuration, the emulator's
exclusions, the capacity model) is what the code computes, and each count and path their prose states is the
code's."""

from __future__ import annotations

import re
from pathlib import Path

from infra.capacity import capacity_table
from infra.config import configuration_markdown
from infra.deploy.local_target import exclusions_markdown
from policies.rules.general import account_singletons
from tests.conftest import PROJECT

DOCS = PROJECT / "docs"


def page(name: str) -> str:
    return (DOCS / name).read_text()


def test_the_configuration_page_is_the_table():
    assert page("configuration.md") == configuration_markdown(), (
        "docs/configuration.md differs from the FIELDS table of infra/config.py: "
        "regenerate it with `python -m infra.config > docs/configuration.md`"
    )


def test_emulator_exclusion_tables_are_the_lists_in_local_target():
    block = re.search(
        r"<!-- emulator-exclusions:[^\n]*-->\n(.*?)<!-- end emulator-exclusions -->", page("deploy.md"), re.S
    )
    assert block, "docs/deploy.md lacks the emulator-exclusions block"
    assert block.group(1) == exclusions_markdown(), (
        "the emulator tables of docs/deploy.md differ from infra/deploy/local_target.py: "
        "replace the block with the output of `python -m infra.deploy exclusions`"
    )


def test_the_deploy_page_shows_the_computed_capacity(ephemeral):
    workers = next(iter(ephemeral.resources("aws_glue_job").values()))["number_of_workers"]
    assert capacity_table(10_000, 1_024, 2.0, workers) in page("deploy.md")


def test_the_account_baseline_page_counts_and_names_the_account_wide_types():
    """ENV-ACCT-001's sentence: the count is the rule's list, the path is the rule's file."""
    sentence = re.search(
        r"declares one of (\d+) account-wide resource types \(each with\s+AWS's word for why, `([^`]+)`",
        page("account-baseline.md"),
    )
    assert sentence, "docs/account-baseline.md no longer states ENV-ACCT-001's list"
    assert int(sentence.group(1)) == len(account_singletons.ACCOUNT_WIDE)
    assert (PROJECT / sentence.group(2)).resolve() == Path(account_singletons.__file__).resolve()


def test_the_pages_name_files_that_exist():
    """Every repository path a page names in backticks (infra/..., tests/..., policies/...) exists."""
    for name in ("deploy.md", "account-baseline.md", "configuration.md"):
        for path in re.findall(
            r"`((?:infra|tests|policies|compliance|anomaly|bench)/[\w./-]+\.(?:py|json|yaml))`", page(name)
        ):
            assert (PROJECT / path).is_file(), f"docs/{name} names {path}, which does not exist"
