"""`tox -e compliance` passes exactly the variables the configuration table reads, and the gate's own (no nested tox,
no synth)."""

from __future__ import annotations

import configparser
import fnmatch
import re

from infra.config import FIELDS, VARIABLES
from tests.conftest import PROJECT

# The gate's own variable (compliance/__main__.py: 1 shows the traceback of a gate bug); docs/gate.md documents it.
GATE_VARIABLES = {"COMPLIANCE_DEBUG"}


def _tox() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(PROJECT / "tox.ini")
    return parser


def _lines(value: str) -> list[str]:
    return [v.strip() for v in value.splitlines() if v.strip() and not v.strip().startswith("#")]


def compliance_pass_env() -> tuple[set[str], set[str]]:
    """(the compliance env's own variables, everything it passes: its own plus [testenv]'s patterns)."""
    tox = _tox()
    own = set(_lines(tox["testenv:compliance"]["pass_env"])) - {"{[testenv]pass_env}"}
    inherited = (
        set(_lines(tox["testenv"]["pass_env"]))
        if "{[testenv]pass_env}" in tox["testenv:compliance"]["pass_env"]
        else set()
    )
    return own, own | inherited


def read_by_the_app() -> set[str]:
    """Every variable infra/config.py reads: the fields' and the app's own."""
    return {f.env for f in FIELDS if f.env} | set(VARIABLES)


def documented() -> set[str]:
    """The variables docs/configuration.md names (the page is generated from the table)."""
    return set(re.findall(r"`([A-Z][A-Z0-9_]+)`", (PROJECT / "docs" / "configuration.md").read_text()))


def test_pass_env_equals_the_variables_of_the_table():
    own, passed = compliance_pass_env()
    names = read_by_the_app() | GATE_VARIABLES
    assert len(names) >= 10
    not_passed = sorted(n for n in names if not any(fnmatch.fnmatchcase(n, p) for p in passed))
    assert not not_passed, f"read by the app or the gate but not passed by tox -e compliance: {not_passed}"
    unread = sorted(own - names)
    assert not unread, f"passed by tox -e compliance but read by no config field, the app or the gate: {unread}"


# The emulator endpoint points the provider at moto for `tox -e deploy-local`, which sets it itself; the gate
# judges the stack as it deploys to AWS, so the compliance env must not take it from the caller.
NOT_FOR_THE_GATE = {"PLATFORM_EMULATOR_ENDPOINT"}


def test_every_configuration_variable_reaches_the_gate():
    """Every variable infra/config.py reads, and every one docs/configuration.md shows, is passed."""
    _, passed = compliance_pass_env()
    shown = documented()
    not_passed = sorted(n for n in shown if not any(fnmatch.fnmatchcase(n, p) for p in passed))
    assert not not_passed, f"docs/configuration.md shows variables tox -e compliance does not pass: {not_passed}"
    assert read_by_the_app() - NOT_FOR_THE_GATE <= shown, sorted(read_by_the_app() - NOT_FOR_THE_GATE - shown)
