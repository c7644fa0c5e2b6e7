"""Configuration precedence and one-line errors."""

from __future__ import annotations

import subprocess
import sys

import pytest

from infra.config import ConfigError, load_config, parse_cli, read_context, with_overrides
from tests.conftest import PROJECT


def test_precedence_cli_over_env_over_context():
    context = {"environmentSuffix": "ctx", "profile": "production"}
    env = {"ENVIRONMENT_SUFFIX": "env"}
    assert load_config(env, context, {}).environment_suffix == "env"
    assert load_config(env, context, {"environment_suffix": "cli"}).environment_suffix == "cli"
    assert load_config({}, context, {}).environment_suffix == "ctx"
    assert load_config({}, context, {}).profile == "production"


def test_defaults_and_profile_retention():
    config = load_config({}, {}, {"environment_suffix": "a1"})
    assert (config.profile, config.region, config.sizing.retention_hours) == ("ephemeral", "eu-central-1", 24)
    assert load_config({}, {}, {"environment_suffix": "a1", "profile": "production"}).sizing.retention_hours == 168
    assert not config.config_rules_enabled


@pytest.mark.parametrize(
    ("cli", "field"),
    [
        ({"environment_suffix": "bad suffix!"}, "environmentSuffix"),
        ({"environment_suffix": "x" * 25}, "environmentSuffix"),
        ({"environment_suffix": "ok", "profile": "staging"}, "profile"),
        ({"environment_suffix": "ok", "events_per_second": "many"}, "eventsPerSecond"),
        ({"environment_suffix": "ok", "headroom": "0.5"}, "headroom"),
        ({"environment_suffix": "ok", "region": "Frankfurt"}, "region"),
        ({"environment_suffix": "ok", "backend": "s3"}, "stateBucket"),
        ({"environment_suffix": "ok", "profile": "production", "retention_hours": "24"}, "retentionHours"),
        ({"environment_suffix": "ok", "mes_verify_url": "http://mes.plant/verify"}, "mesVerifyUrl"),
        ({"environment_suffix": "ok", "mes_cidr": "0.0.0.0/0"}, "mesCidr"),
        ({"environment_suffix": "ok", "lake_formation_admins": "arn:aws:iam::1:root"}, "lakeFormationAdmins"),
        ({"environment_suffix": "ok", "lake_formation_admins": "admin"}, "lakeFormationAdmins"),
    ],
)
def test_bad_values_name_field_value_and_what_is_valid(cli, field):
    with pytest.raises(ConfigError) as error:
        load_config({}, {}, cli)
    assert error.value.field_name == field
    assert "expected" in str(error.value) and "\n" not in str(error.value)


def test_missing_suffix_and_bad_cli():
    with pytest.raises(ConfigError, match="environmentSuffix"):
        load_config({}, {}, {})
    with pytest.raises(ConfigError, match="--nope"):
        parse_cli(["--nope", "1"])
    assert parse_cli(["--environment-suffix=pr-1", "--profile", "production"]) == {
        "environment_suffix": "pr-1",
        "profile": "production",
    }
    with pytest.raises(ConfigError):
        parse_cli(["--profile"])


def test_context_sources(tmp_path):
    assert read_context({"CDKTF_CONTEXT_JSON": '{"environmentSuffix": "x"}'}) == {"environmentSuffix": "x"}
    with pytest.raises(ConfigError):
        read_context({"CDKTF_CONTEXT_JSON": "{nope"})
    assert read_context({}, PROJECT)["environmentSuffix"] == "dev"
    assert read_context({}, tmp_path) == {}
    with pytest.raises(ConfigError):
        with_overrides(load_config({}, {}, {"environment_suffix": "a1"}), backend="s3")


def test_cli_exit_status_2_with_one_line():
    run = subprocess.run(
        [sys.executable, "-m", "infra", "--environment-suffix", "no good"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    assert run.stderr.strip().count("\n") == 0 and "environmentSuffix" in run.stderr
    assert "Traceback" not in run.stderr


def test_mes_and_baseline_fields():
    config = load_config(
        {},
        {
            "mesVerifyUrl": "https://mes.plant.example:8443/api/keys/verify",
            "lakeFormationAdmins": ["arn:aws:iam::111122223333:role/a"],
        },
        {"environment_suffix": "a1", "mes_cidr": "10.200.0.0/16"},
    )
    assert config.mes_verify_url == "https://mes.plant.example:8443/api/keys/verify"
    assert config.mes_cidr == "10.200.0.0/16"
    assert config.lake_formation_admins == ("arn:aws:iam::111122223333:role/a",)
    admins = "arn:aws:iam::111122223333:role/a, arn:aws:iam::111122223333:user/b"
    two = load_config({}, {}, {"environment_suffix": "a1", "lake_formation_admins": admins})
    assert two.lake_formation_admins == ("arn:aws:iam::111122223333:role/a", "arn:aws:iam::111122223333:user/b")


def test_cli_refuses_an_unknown_stack_kind():
    run = subprocess.run(
        [sys.executable, "-m", "infra", "--environment-suffix", "ok", "--stack", "shared"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2 and "environment or account-baseline" in run.stderr and "Traceback" not in run.stderr


def test_the_table_is_every_configurable_field_once():
    """FIELDS is the dataclasses' own declaration: every attribute but the fixed ones is a row, each name once."""
    import dataclasses

    from infra.config import FIELDS, PlatformConfig, Sizing

    attributes = {f.name for cls in (PlatformConfig, Sizing) for f in dataclasses.fields(cls)}
    assert {f.name for f in FIELDS} == attributes - {"project", "sizing", "consumers"}
    for column in ("name", "flag", "context"):
        values = [getattr(f, column) for f in FIELDS]
        assert len(values) == len(set(values)), column
    envs = [f.env for f in FIELDS if f.env]
    assert len(envs) == len(set(envs)) == 14
    assert all(f.valid and f.doc for f in FIELDS)
    assert [f.name for f in FIELDS if f.required] == ["environment_suffix"]


def test_the_generator_prints_the_configuration_page():
    from infra.config import configuration_markdown

    run = subprocess.run(
        [sys.executable, "-m", "infra.config"], cwd=PROJECT, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0 and run.stdout == configuration_markdown()
    assert "| mes_cidr | `--mes-cidr` |  | `mesCidr` | none | an IPv4 CIDR of /16 to /32 |" in run.stdout
