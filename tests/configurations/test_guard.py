"""guard(app) on whichever framework is installed, cdktf in the default env and cdktn in `tox -e cdktn`: it takes
the framework from the app, and a small stack gets the same findings on both (this test holds them in one list)."""

from __future__ import annotations

import pytest

from policies import guard, suppress
from policies.framework import App, TerraformResource, TerraformStack, installed, of

# Our rules' outcomes on the small stack below, identical on both frameworks
OURS = {
    ("DES-EPH-001", "aws_s3_bucket.bucket", "failed"),
    ("S3-ENC-001", "aws_s3_bucket.bucket", "failed"),
    ("S3-LOG-001", "aws_s3_bucket.bucket", "failed"),
    ("S3-PAB-001", "aws_s3_bucket.bucket", "failed"),
    ("S3-TLS-001", "aws_s3_bucket.bucket", "failed"),
    ("S3-VER-001", "aws_s3_bucket.bucket", "suppressed"),
    ("SEC-PLAIN-001", "aws_s3_bucket.bucket", "passed"),
    ("TAG-REQ-001", "aws_s3_bucket.bucket", "failed"),
}
# Checkov's built-ins beside them: the public-read ACL fails CKV_AWS_20 (no rule of ours reads the inline acl); the
# built-ins our rules cover fold into ours; a missing lifecycle only warns (the catalog classifies CKV2_AWS_61 so)
CHECKOV = {
    ("CKV_AWS_19", "passed"),
    ("CKV_AWS_20", "failed"),
    ("CKV_AWS_57", "passed"),
    ("CKV_AWS_93", "passed"),
    ("CKV2_AWS_61", "warning"),
}


def test_guard_takes_the_framework_from_the_app_and_judges_alike(tmp_path):
    app = App(outdir=str(tmp_path))
    stack = TerraformStack(app, "small")
    bucket = TerraformResource(stack, "bucket", terraform_resource_type="aws_s3_bucket")
    bucket.add_override("bucket", "b")
    bucket.add_override("acl", "public-read")
    suppress(bucket, "S3-VER-001", reason="a scratch bucket of this test, nothing to recover")
    guardrails = guard(app)
    assert of(bucket) == of(app) == guardrails.framework == installed()
    with pytest.raises(Exception, match="S3-ENC-001"):
        app.synth()
    found = {(o.id, o.address, o.status) for o in guardrails.findings["small"] if o.engine == "guardrails"}
    assert found == OURS
    assert {(o.id, o.status) for o in guardrails.findings["small"] if o.engine == "checkov"} == CHECKOV
