"""Account-wide state: which stack may own it, and how an environment reads it without changing it."""

from __future__ import annotations

import json

from policies.engine import evaluate
from policies.model import StackView


def _findings(synth, rule_id, profile):
    return [f for f in evaluate(StackView(synth.document), profile) if f.id == rule_id]


def test_no_environment_owns_an_account_singleton(ephemeral, production):
    """AWS: https://docs.aws.amazon.com/config/latest/APIReference/API_PutConfigurationRecorder.html (one recorder
    per account and Region), https://docs.aws.amazon.com/glue/latest/webapi/API_PutDataCatalogEncryptionSettings.html
    (one catalog's encryption), https://docs.aws.amazon.com/iot/latest/apireference/API_SetV2LoggingOptions.html
    (the account's IoT logging): ENV-ACCT-001 over both environment profiles finds nothing to fail."""
    for synth, profile in ((ephemeral, "ephemeral"), (production, "production")):
        assert not [f for f in _findings(synth, "ENV-ACCT-001", profile) if f.status == "failed"]


def test_the_baseline_owns_them_and_passes(baseline):
    """AWS: https://docs.aws.amazon.com/lake-formation/latest/APIReference/API_PutDataLakeSettings.html - the
    account's singletons live in the one stack that declares itself the account baseline."""
    findings = _findings(baseline, "ENV-ACCT-001", "production")
    assert {f.address.split(".")[0] for f in findings} >= {
        "aws_lakeformation_data_lake_settings",
        "aws_glue_data_catalog_encryption_settings",
        "aws_iot_logging_options",
        "aws_iot_domain_configuration",
        "aws_cloudwatch_log_group",
    }
    assert all(f.status == "passed" for f in findings)


def test_lake_formation_admins_are_added_never_replaced(baseline):
    """AWS: https://docs.aws.amazon.com/lake-formation/latest/APIReference/API_PutDataLakeSettings.html - 'This API
    replaces the current list of data lake admins with the new list being passed. To add an admin, fetch the
    current list and add the new admin to that list.'"""
    settings = next(iter(baseline.resources("aws_lakeformation_data_lake_settings").values()))
    current = next(iter(baseline.document["data"]["aws_lakeformation_data_lake_settings"]))
    assert f"data.aws_lakeformation_data_lake_settings.{current}.admins" in settings["admins"]
    assert settings["admins"].startswith("${distinct(concat(")


# Every argument of aws_lakeformation_data_lake_settings in provider 5.100.0 except catalog_id (the account's own
# catalog) and id: read from the bindings, so an argument a newer provider adds fails here until it is decided.
def _settings_arguments() -> set[str]:
    import inspect

    from infra import aws

    names = set(inspect.signature(aws.LakeformationDataLakeSettings.__init__).parameters)
    framework = {"self", "scope", "id_", "connection", "count", "depends_on", "for_each", "lifecycle", "provider"}
    return names - framework - {"provisioners", "catalog_id", "id"}


def test_every_lake_formation_setting_is_set_or_preserved(baseline):
    """AWS: https://docs.aws.amazon.com/lake-formation/latest/APIReference/API_PutDataLakeSettings.html - the call
    replaces the whole DataLakeSettings object, so any field the resource leaves out is reset: each one is stated.
    https://docs.aws.amazon.com/lake-formation/latest/dg/change-settings.html - default permissions granting ALL
    to IAM_ALLOWED_PRINCIPALS keep new databases and tables under IAM-only access: both lists are empty."""
    settings = next(iter(baseline.resources("aws_lakeformation_data_lake_settings").values()))
    assert _settings_arguments() <= set(settings), sorted(_settings_arguments() - set(settings))
    current = "data.aws_lakeformation_data_lake_settings." + next(
        iter(baseline.document["data"]["aws_lakeformation_data_lake_settings"])
    )
    for preserved in ("read_only_admins", "trusted_resource_owners", "authorized_session_tag_value_list", "parameters"):
        ref = f"{current}.{preserved}"
        assert settings[preserved] in (f"${{{ref}}}", f"${{tolist({ref})}}", f"${{toset({ref})}}"), preserved
    assert settings["create_database_default_permissions"] == []
    assert settings["create_table_default_permissions"] == []
    assert "IAM_ALLOWED_PRINCIPALS" not in json.dumps(settings)
    assert settings["allow_external_data_filtering"] is False
    assert settings["allow_full_table_external_data_access"] is False
    assert settings["external_data_filtering_allow_list"] == []


def test_an_environment_waits_for_and_checks_the_baseline(ephemeral):
    """AWS: https://docs.aws.amazon.com/lake-formation/latest/dg/lake-formation-permissions.html - only a data
    lake administrator (or a grantable holder) may grant Lake Formation permissions, so each grant depends on the
    check that the deployer is one."""
    settings = next(iter(ephemeral.document["data"]["aws_lakeformation_data_lake_settings"]))
    for grant in ephemeral.resources("aws_lakeformation_permissions").values():
        assert grant["depends_on"] == [f"data.aws_lakeformation_data_lake_settings.{settings}"]
    check = ephemeral.document["data"]["aws_lakeformation_data_lake_settings"][settings]["lifecycle"]
    assert "deploy the account baseline first" in check["postcondition"][0]["error_message"]


def test_secure_parameters_are_readable_through_iam(baseline):
    """AWS: https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-access.html - reading a
    SecureString needs kms:Decrypt on its key: the key policy delegates to IAM in the account (the root principal),
    so an environment's deployer reads it with its IAM permissions."""
    from tests.deployability.conftest import key_policy

    for parameter in baseline.resources("aws_ssm_parameter").values():
        assert parameter["type"] == "SecureString"
        statements = key_policy(baseline, parameter["key_id"])
        assert any("kms:Decrypt" in s["actions"] and ":root" in str(s.get("principals")) for s in statements), (
            parameter["name"]
        )
