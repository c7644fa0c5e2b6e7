"""Where a stack keeps its state (infra/backend.py): the S3 backend is encrypted and locked."""

from __future__ import annotations

from tests.conftest import synthesize


def test_s3_backend_is_encrypted_and_locked(tmp_path_factory):
    stack = synthesize(
        tmp_path_factory, "s3backend", backend="s3", state_bucket="team-tf-state", state_kms_key_id="alias/tf-state"
    )
    backend = stack.document["terraform"]["backend"]["s3"]
    assert backend["encrypt"] is True and backend["use_lockfile"] is True
    assert backend["bucket"] == "team-tf-state" and backend["key"] == "iot-platform/ci-test/terraform.tfstate"
    assert backend["kms_key_id"] == "alias/tf-state"
