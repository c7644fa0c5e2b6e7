"""The local AWS emulator (infra/deploy/emulator.py) and the leftover and singleton checks run against it
(infra/deploy/leftovers.py): its lifecycle, kept or not."""

from __future__ import annotations

import json
import os
import time

import pytest

from infra.deploy.emulator import client, is_our_server, moto_server, seed, serving, stop
from infra.deploy.leftovers import account_singletons, changed_singletons, leftovers


def test_moto_server_seed_leftovers_and_singletons(tmp_path):
    with moto_server(str(tmp_path / "moto.log")) as emulator:
        endpoint = emulator.endpoint
        assert endpoint.startswith("http://127.0.0.1:") and is_our_server(emulator.pid, endpoint)
        arn = seed(endpoint, "eu-central-1", "iotsp/t1/mes-api-key")
        value = json.loads(
            client("secretsmanager", endpoint, "eu-central-1").get_secret_value(SecretId=arn)["SecretString"]
        )
        assert len(value["api_key"]) == 48
        s3 = client("s3", endpoint, "eu-central-1")
        s3.create_bucket(Bucket="iotsp-raw-t1", CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
        found = leftovers(endpoint, "eu-central-1", "t1", ignore_secret_names={"iotsp/t1/mes-api-key"})
        assert "s3 bucket: iotsp-raw-t1" in found and not any(f.startswith("secret") for f in found)
        s3.delete_bucket(Bucket="iotsp-raw-t1")
        assert not [f for f in leftovers(endpoint, "eu-central-1", "t1", {"iotsp/t1/mes-api-key"}) if "t1" in f]
        logs = client("logs", endpoint, "eu-central-1")
        logs.create_log_group(logGroupName="AWSIotLogsV2")  # a name the stacks give, without the suffix
        kms = client("kms", endpoint, "eu-central-1")
        kms.list_aliases()  # moto's AWS-managed aliases: the account's, never ours
        found = leftovers(endpoint, "eu-central-1", "t1", {"iotsp/t1/mes-api-key"}, names={"AWSIotLogsV2"})
        assert found == ["log group: AWSIotLogsV2"]
        logs.delete_log_group(logGroupName="AWSIotLogsV2")
        before = account_singletons(endpoint, "eu-central-1")
        client("lakeformation", endpoint, "eu-central-1").put_data_lake_settings(
            DataLakeSettings={"DataLakeAdmins": [{"DataLakePrincipalIdentifier": "arn:aws:iam::123456789012:role/x"}]}
        )
        changed = changed_singletons(before, account_singletons(endpoint, "eu-central-1"))
        assert len(changed) == 1 and changed[0].startswith("aws_lakeformation_data_lake_settings: ")
    assert not serving(endpoint)


def test_kept_emulator_outlives_its_run_until_stopped(tmp_path):
    with moto_server(keep=True) as emulator:
        pass
    try:
        assert serving(emulator.endpoint) and is_our_server(emulator.pid, emulator.endpoint)
        assert not is_our_server(os.getpid(), emulator.endpoint)  # a reused pid is never killed
    finally:
        assert stop(emulator.pid, emulator.endpoint)
    assert not serving(emulator.endpoint) and not stop(emulator.pid, emulator.endpoint)


def test_a_failed_run_never_leaves_a_kept_emulator(tmp_path):
    with pytest.raises(RuntimeError), moto_server(keep=True) as emulator:
        raise RuntimeError("apply failed")
    deadline = time.monotonic() + 10
    while serving(emulator.endpoint) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not serving(emulator.endpoint)
