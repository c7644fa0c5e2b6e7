"""The secret readers' sources of truth: the provider schema table is what provider 5.100 says, every attribute in
it exists in the cdktf bindings, and keys and values are judged by meaning (detect-secrets, words)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from policies.secrets import detection as secrets
from policies.secrets.sensitive import DATA, generate, places

BINDINGS = Path(__import__("importlib.util").util.find_spec("cdktf_cdktf_provider_aws").origin).parent
VERSION = "5.100.0"


def test_the_table_is_generated_from_the_pinned_provider():
    assert places()["provider"] == f"hashicorp/aws {VERSION}"
    resources = places()["resource"]
    assert {"password", "password_wo"} <= set(resources["aws_db_instance"]["input"])
    assert "connection_properties" in resources["aws_glue_connection"]["input"]
    assert "secret" in resources["aws_iam_access_key"]["computed"]
    assert "environment.variables" in resources["aws_lambda_function"]["maps"]
    assert sum(len(v.get("input", ())) for v in resources.values()) > 150


MODULES = {p.name.replace("_", ""): p for p in BINDINGS.iterdir() if (p / "__init__.py").is_file()}


def _binding_source(rtype: str, mode: str) -> str:
    module = rtype.removeprefix("aws_") if mode == "resource" else "data_aws_" + rtype.removeprefix("aws_")
    return (MODULES[module.replace("_", "")] / "__init__.py").read_text()


def test_every_attribute_in_the_table_exists_in_the_cdktf_bindings():
    """The bindings (cdktf-cdktf-provider-aws 20.1.0) wrap the same provider: each attribute is a keyword there."""
    missing = []
    for mode in ("resource", "data"):
        for rtype, entry in places()[mode].items():
            source = _binding_source(rtype, mode)
            for path in (*entry.get("input", ()), *entry.get("maps", ())):
                if f"{path.rsplit('.', 1)[-1]}:" not in source:
                    missing.append(f"{mode} {rtype}.{path}")
    assert not missing, missing[:20]


def test_the_table_equals_what_the_offline_provider_mirror_says(tmp_path):
    mirror = os.environ.get("TF_PROVIDER_MIRROR", "")
    if not shutil.which("terraform") or not (Path(mirror) / "registry.terraform.io/hashicorp/aws" / VERSION).is_dir():
        pytest.skip("terraform or TF_PROVIDER_MIRROR (hashicorp/aws 5.100.0) is missing")
    (tmp_path / "main.tf").write_text(
        "terraform {\n  required_providers {\n"
        f'    aws = {{ source = "hashicorp/aws", version = "{VERSION}" }}\n  }}\n}}\n'
    )
    rc = tmp_path / "terraformrc"
    rc.write_text(f'provider_installation {{\n  filesystem_mirror {{\n    path = "{mirror}"\n  }}\n}}\n')
    env = {**os.environ, "TF_CLI_CONFIG_FILE": str(rc), "TF_IN_AUTOMATION": "1"}
    run = {"cwd": tmp_path, "env": env, "capture_output": True, "text": True, "timeout": 300}
    assert subprocess.run(["terraform", "init", "-backend=false", "-input=false"], **run).returncode == 0
    schema = subprocess.run(["terraform", "providers", "schema", "-json"], **run)
    assert schema.returncode == 0, schema.stderr[-1000:]
    assert generate(json.loads(schema.stdout), VERSION) == json.loads(DATA.read_text())


@pytest.mark.parametrize(
    "key",
    [
        "MES_CREDENTIAL",
        "dbPassword",
        "x-api-key",
        "--db_pass",
        "APIKey",
        "PASSWD",
        "client_secret",
        "Kennwort",
        "GITHUB_TOKEN",
        "private-key",
        "mypassword",
    ],
)
def test_keys_that_name_a_secret(key):
    assert secrets.secret_key(key)


@pytest.mark.parametrize(
    "key",
    [
        "SECRET_ARN",
        "API_KEY_SECRET_ARN",
        "--db_secret_id",
        "PASSWORD_MIN_LENGTH",
        "TOKEN_ENDPOINT",
        "PUBLIC_KEY",
        "kms_key_id",
        "manage_master_user_password_enabled",
        "SECRET_NAME",
        "BYPASS",
        "STREAM_NAME",
        "passthrough",
    ],
)
def test_keys_that_point_at_or_describe_a_secret(key):
    assert not secrets.secret_key(key)


@pytest.mark.parametrize(
    "value",
    [
        "AKIAIOSFODNN7EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "https://writer:hunter2@db.example/x",
        "xoxb-123456789012-1234567890123-abcdefghijklmnopqrstuvwx",
        "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
    ],
)
def test_values_that_look_like_secrets(value):
    assert secrets.looks_secret(value)


@pytest.mark.parametrize(
    "value",
    [
        "iotsp/dev/db",
        "IoTSensorPlatform/dev",
        "s3://bucket/scripts/job.py",
        "TRIM_HORIZON",
        "10000",
        "arn:aws:secretsmanager:eu-central-1:111122223333:secret:iotsp/dev/db-AbCdEf",
        "anomaly_writer",
    ],
)
def test_values_that_do_not(value):
    assert not secrets.looks_secret(value)


def test_pointers_are_secret_store_arns_not_anything_with_a_slash():
    assert secrets.pointer("arn:aws:ssm:eu-central-1:111122223333:parameter/iotsp/dev/key")
    assert secrets.pointer("{{resolve:secretsmanager:iotsp/dev/db:SecretString:password}}")
    assert not secrets.pointer("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    assert not secrets.pointer("arn:aws:s3:::bucket/key")


def test_references_lead_to_secret_values_by_the_schema():
    refs = secrets.references('${jsondecode(data.aws_secretsmanager_secret_version.db.secret_string)["password"]}')
    assert refs == [("data", "aws_secretsmanager_secret_version", "db", "secret_string")]
    assert secrets.carries_secret(*refs[0][:2], refs[0][3])
    assert not secrets.carries_secret("resource", "aws_secretsmanager_secret", "arn")
    assert secrets.carries_secret("resource", "random_password", "result")
    assert secrets.carries_secret("ephemeral", "aws_secretsmanager_secret_version", "secret_string")
    assert [r[0] for r in secrets.references("${var.db_password}")] == ["var"]
