"""Synthesize one stack of 300 resource blocks written the way cdktf users iterate: 50 bucket groups, each a bucket
over a `for_each` of two zones and five companions iterated over it (TerraformIterator.from_resources).

python bench/for_each_app.py OUTDIR [--gate REPORTS]

A bare synth (no Guardrails: the stack is a load, not a compliant stack, and synth with Guardrails would stop at its
findings); with --gate, the compliance gate then judges the synthesized stack in the same process. bench/gate.py
compares the two.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

GROUPS = 50  # x (a bucket + 5 companions) = 300 resource blocks, 600 instances


def build(outdir: str):
    from cdktf import App, TerraformIterator, TerraformStack

    from infra import aws

    app = App(outdir=outdir)
    stack = TerraformStack(app, "for-each")
    tags = {"Environment": "b", "Project": "p", "Owner": "o", "CostCenter": "c", "DataClassification": "internal"}
    aws.AwsProvider(stack, "aws", region="eu-central-1", default_tags=[aws.AwsProviderDefaultTags(tags=tags)])
    key = aws.KmsKey(stack, "key", enable_key_rotation=True, deletion_window_in_days=7)
    zones = TerraformIterator.from_list(["raw", "curated"])
    for group in range(GROUPS):
        bucket = aws.S3Bucket(stack, f"data{group}", for_each=zones, bucket=f"bench-{group}", force_destroy=True)
        each = TerraformIterator.from_resources(bucket)
        bucket_id = each.get_string("id")
        sse = aws.S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(
            sse_algorithm="aws:kms", kms_master_key_id=key.arn
        )
        aws.S3BucketServerSideEncryptionConfigurationA(
            stack,
            f"data{group}_sse",
            for_each=each,
            bucket=bucket_id,
            rule=[aws.S3BucketServerSideEncryptionConfigurationRuleA(apply_server_side_encryption_by_default=sse)],
        )
        aws.S3BucketPublicAccessBlock(
            stack,
            f"data{group}_pab",
            for_each=each,
            bucket=bucket_id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
        )
        aws.S3BucketVersioningA(
            stack,
            f"data{group}_versioning",
            for_each=each,
            bucket=bucket_id,
            versioning_configuration=aws.S3BucketVersioningVersioningConfiguration(status="Enabled"),
        )
        arn = each.get_string("arn")
        deny = {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [arn, f"{arn}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
        aws.S3BucketPolicy(
            stack,
            f"data{group}_tls",
            for_each=each,
            bucket=bucket_id,
            policy=json.dumps({"Version": "2012-10-17", "Statement": [deny]}),
        )
        aws.S3BucketLoggingA(
            stack, f"data{group}_logging", for_each=each, bucket=bucket_id, target_bucket="logs", target_prefix="b/"
        )
    return app


def main() -> int:
    outdir = sys.argv[1]
    Path(outdir).mkdir(parents=True, exist_ok=True)
    from infra.synth import synth

    synth(build(outdir))
    if "--gate" in sys.argv:
        from compliance.__main__ import main as gate

        code = gate(["check", outdir, "--out", sys.argv[sys.argv.index("--gate") + 1]])
        return 0 if code in (0, 1) else code  # judged (its findings are not the point), never refused
    return 0


if __name__ == "__main__":
    sys.exit(main())
