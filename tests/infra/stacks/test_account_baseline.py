"""The synthesized account baseline (infra/stacks/account_baseline.py): the account-wide singletons it owns once per
account and region, and what it publishes for every environment."""

from __future__ import annotations

import pytest

from tests.infra.stacks.test_environment import terraform_validate


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    from infra.app import build_baseline_app
    from infra.config import load_config
    from infra.synth import synth
    from tests.conftest import Synthesized

    config = load_config(
        {}, {}, {"environment_suffix": "pr-7", "lake_formation_admins": "arn:aws:iam::111122223333:role/ci-deployer"}
    )
    outdir = tmp_path_factory.mktemp("baseline")
    app, stack = build_baseline_app(config, outdir=str(outdir))
    synth(app)
    return Synthesized(outdir, stack)


def test_account_baseline_owns_the_singletons_once_per_account_and_region(baseline):
    doc = baseline.document
    assert baseline.stack.node.id == "iot-account-baseline-eu-central-1"
    assert doc["//"]["guardrails"]["stack_kind"] == "account-baseline"
    for rtype in (
        "aws_lakeformation_data_lake_settings",
        "aws_glue_data_catalog_encryption_settings",
        "aws_iot_logging_options",
        "aws_iot_domain_configuration",
    ):
        assert len(baseline.resources(rtype)) == 1, rtype
    assert "pr-7" not in baseline.text  # no environment's suffix reaches account-wide state
    tags = doc["provider"]["aws"][0]["default_tags"][0]["tags"]
    assert tags["Environment"] == "account-baseline"
    settings = next(iter(baseline.resources("aws_lakeformation_data_lake_settings").values()))
    assert settings["admins"].startswith("${distinct(concat(tolist(data.aws_lakeformation_data_lake_settings.")
    assert "arn:aws:iam::111122223333:role/ci-deployer" in settings["admins"]
    domain = next(iter(baseline.resources("aws_iot_domain_configuration").values()))
    assert domain["tls_config"]["security_policy"] == "IoTSecurityPolicy_TLS13_1_2_2022_10"
    assert domain["service_type"] == "DATA" and "domain_name" not in domain  # AWS-managed domain
    group = next(iter(baseline.resources("aws_cloudwatch_log_group").values()))
    assert group["name"] == "AWSIotLogsV2" and group["retention_in_days"] == 365 and group["kms_key_id"]
    for key in baseline.resources("aws_kms_key").values():
        assert key["deletion_window_in_days"] == 30 and key["enable_key_rotation"]
    from infra.stacks.account_baseline import BaselineContract

    contract = BaselineContract("iotsp")
    names = {p["name"] for p in baseline.resources("aws_ssm_parameter").values()}
    assert names == {
        contract.device_endpoint_parameter,
        contract.domain_configuration_parameter,
        contract.tls_policy_parameter,
    }
    assert doc["terraform"]["backend"]["local"]["path"].endswith("state/iot-account-baseline-eu-central-1.tfstate")


def test_environment_reads_what_the_baseline_publishes(ephemeral, baseline):
    published = {p["name"] for p in baseline.resources("aws_ssm_parameter").values()}
    read = {p["name"] for p in ephemeral.document["data"]["aws_ssm_parameter"].values()}
    assert read and read <= published


@pytest.mark.terraform
def test_terraform_validate_baseline_offline(baseline, tmp_path):
    terraform_validate(baseline.path.parent, tmp_path)
