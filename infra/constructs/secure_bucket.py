"""A secure S3 bucket: SSE-KMS with a bucket key (SSE-S3 for the access-log bucket, as S3 requires), versioning,
public access block, bucket-owner ownership, TLS-only policy, access logging and a lifecycle from its spec."""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from infra import aws
from infra.constructs.iam import Statement, policy_document
from infra.context import PlatformContext


@dataclass(frozen=True)
class BucketSpec:
    purpose: str
    classification: str
    current_days: int | None  # expire current objects after this many days (None: keep)
    ia_after_days: int | None  # move to STANDARD_IA after this many days
    noncurrent_days: int


class SecureBucket(Construct):
    """SSE-KMS with `key` and a bucket key (SSE-S3 without a key: the log bucket), versioning, public access block,
    TLS-only policy, access logging to `log_bucket` (None: this is the log bucket), lifecycle."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        ctx: PlatformContext,
        spec: BucketSpec,
        key: aws.KmsKey | None,
        log_bucket: SecureBucket | None,
    ) -> None:
        super().__init__(scope, id_)
        self.spec = spec
        self.bucket = aws.S3Bucket(
            self,
            "bucket",
            bucket=ctx.namer.s3_bucket(spec.purpose),
            force_destroy=not ctx.production,
            object_lock_enabled=False,
            tags={"DataClassification": spec.classification, "Purpose": spec.purpose},
        )
        aws.S3BucketOwnershipControls(
            self,
            "ownership",
            bucket=self.bucket.id,
            rule=aws.S3BucketOwnershipControlsRule(object_ownership="BucketOwnerEnforced"),
        )
        aws.S3BucketPublicAccessBlock(
            self,
            "public-access-block",
            bucket=self.bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
        )
        # S3 server access logs can only be delivered to an SSE-S3 bucket: the log bucket is the one exception.
        by_default = (
            aws.S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(
                sse_algorithm="aws:kms", kms_master_key_id=key.arn
            )
            if key is not None
            else aws.S3BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultA(
                sse_algorithm="AES256"
            )
        )
        aws.S3BucketServerSideEncryptionConfigurationA(
            self,
            "encryption",
            bucket=self.bucket.id,
            rule=[
                aws.S3BucketServerSideEncryptionConfigurationRuleA(
                    apply_server_side_encryption_by_default=by_default, bucket_key_enabled=key is not None
                )
            ],
        )
        aws.S3BucketVersioningA(
            self,
            "versioning",
            bucket=self.bucket.id,
            versioning_configuration=aws.S3BucketVersioningVersioningConfiguration(status="Enabled"),
        )
        if log_bucket is not None:
            aws.S3BucketLoggingA(
                self,
                "logging",
                bucket=self.bucket.id,
                target_bucket=log_bucket.bucket.id,
                target_prefix=f"{spec.purpose}/",
                depends_on=[log_bucket.policy],  # S3 checks the log bucket grants delivery before logging starts
            )
        statements = [
            Statement(
                "DenyInsecureTransport",
                ["s3:*"],
                [self.bucket.arn, f"{self.bucket.arn}/*"],
                effect="Deny",
                principals={"AWS": ["*"]},
                conditions=[("Bool", "aws:SecureTransport", ["false"])],
            ),
            Statement(
                "DenyOutdatedTls",
                ["s3:*"],
                [self.bucket.arn, f"{self.bucket.arn}/*"],
                effect="Deny",
                principals={"AWS": ["*"]},
                conditions=[("NumericLessThan", "s3:TlsVersion", ["1.2"])],
            ),
        ]
        if log_bucket is None:
            # This is the log bucket: S3's logging service may write, for this account's buckets only.
            statements.append(
                Statement(
                    "S3ServerAccessLogDelivery",
                    ["s3:PutObject"],
                    [f"{self.bucket.arn}/*"],
                    principals={"Service": ["logging.s3.amazonaws.com"]},
                    conditions=[
                        ("StringEquals", "aws:SourceAccount", [ctx.account_id]),
                        ("ArnLike", "aws:SourceArn", [f"arn:{ctx.partition}:s3:::{ctx.namer.prefix}-*"]),
                    ],
                )
            )
        document = policy_document(self, "policy-doc", statements)
        self.policy = aws.S3BucketPolicy(self, "policy", bucket=self.bucket.id, policy=document.json)
        aws.S3BucketLifecycleConfiguration(self, "lifecycle", bucket=self.bucket.id, rule=[self._lifecycle(ctx)])

    def _lifecycle(self, ctx: PlatformContext) -> aws.S3BucketLifecycleConfigurationRule:
        spec = self.spec
        keep_days = spec.current_days if ctx.production else min(spec.current_days or 30, 30)
        return aws.S3BucketLifecycleConfigurationRule(
            id=f"{spec.purpose}-retention",
            status="Enabled",
            filter=[aws.S3BucketLifecycleConfigurationRuleFilter(prefix="")],
            transition=(
                [aws.S3BucketLifecycleConfigurationRuleTransition(days=spec.ia_after_days, storage_class="STANDARD_IA")]
                if spec.ia_after_days and ctx.production
                else None
            ),
            expiration=([aws.S3BucketLifecycleConfigurationRuleExpiration(days=keep_days)] if keep_days else None),
            noncurrent_version_expiration=[
                aws.S3BucketLifecycleConfigurationRuleNoncurrentVersionExpiration(noncurrent_days=spec.noncurrent_days)
            ],
            abort_incomplete_multipart_upload=[
                aws.S3BucketLifecycleConfigurationRuleAbortIncompleteMultipartUpload(days_after_initiation=7)
            ],
        )

    @property
    def name(self) -> str:
        return self.bucket.bucket

    @property
    def arn(self) -> str:
        return self.bucket.arn
