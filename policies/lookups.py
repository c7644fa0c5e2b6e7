"""Look-ups several rules share: customer-managed keys and the S3 resources that configure a bucket."""

from __future__ import annotations

from typing import Any

from policies.model import REMOTE_STATE, Resource, StackView, is_opaque, is_reference, provider_alias

AWS_MANAGED_ALIAS_PREFIX = "alias/aws/"


def customer_managed_key(value: Any, view: StackView) -> tuple[bool, str]:
    """(is a CMK, why not). A reference to aws_kms_key / a fetched key, a key ARN, or a non-AWS alias is a CMK."""
    if value in (None, ""):
        return False, "no KMS key is set (AWS-owned or AWS-managed key)"
    if not isinstance(value, str):
        return False, f"KMS key {value!r} is not a key reference"
    if AWS_MANAGED_ALIAS_PREFIX in value:
        return False, f"{value} is an AWS-managed key, not a customer-managed key"
    target = view.resolve(value)
    if target is not None and target.type == REMOTE_STATE:
        return False, (
            f"the key is {value!r}, read from the remote state {target.address}, which this synth does not show (it "
            "could be an AWS-managed key): pass the key from a stack of the same app, or suppress with a reason"
        )
    if target is not None:
        named = target.get("name") if target.type == "aws_kms_alias" else target.get("key_id")
        if str(named or "").startswith(AWS_MANAGED_ALIAS_PREFIX):
            return False, f"{target.address} is {named}, an AWS-managed key"
        if target.type in ("aws_kms_key", "aws_kms_alias", "aws_kms_replica_key", "aws_kms_external_key"):
            return True, ""
        return False, f"{target.address} is not a KMS key"
    if is_opaque(value) or is_reference(value):
        return False, (
            f"the key is {value!r}, which the stack does not show (it could be an AWS-managed key): reference an "
            "aws_kms_key or data.aws_kms_key in this stack, or suppress with a reason"
        )
    if value.startswith("arn:") and ":kms:" in value and (":key/" in value or ":alias/" in value):
        return True, ""
    if value.startswith("alias/"):
        return True, ""
    return False, f"{value!r} is not a KMS key ARN, alias or reference"


def bucket_companions(bucket: Resource, view: StackView, rtype: str) -> list[Resource]:
    """The split S3 resources (encryption, versioning, policy, ...) whose `bucket` points at this bucket."""
    name = bucket.get("bucket")
    found = view.referencing(bucket, rtype, attribute="bucket")
    if name and not is_reference(name):
        found += [r for r in view.resources(rtype) if r.get("bucket") == name and r not in found]
    return found


# AWS's S3 User Guide, "Enabling Amazon S3 server access logging"
# (https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html): the target bucket should
# not have server access logging enabled, and log delivery writes with the target's default encryption, SSE-S3.
LOG_TARGET_GUIDE = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html"


def log_sources(bucket: Resource, view: StackView) -> list[Resource]:
    """The other buckets that deliver their server access logs to this bucket (it is their `target_bucket`)."""
    name = bucket.get("bucket")

    def targets_this(value: Any) -> bool:
        if view.references(value, bucket):
            return True
        return bool(name) and not is_reference(name) and value == name

    sources = []
    for logging in view.resources("aws_s3_bucket_logging"):
        if targets_this(logging.get("target_bucket")):
            source = view.resolve(logging.get("bucket"))
            sources.append(source if source is not None else logging)
    for sibling in view.views()[1:]:  # another stack of the synth logs to this bucket through its output
        for logging in sibling.resources("aws_s3_bucket_logging"):
            if sibling.resolve(logging.get("target_bucket")) is bucket:
                source = sibling.resolve(logging.get("bucket"))
                sources.append(source if source is not None else logging)
    for other in view.resources("aws_s3_bucket"):
        inline = other.block("logging")
        if other is not bucket and inline and targets_this(inline.get("target_bucket")):
            sources.append(other)
    return [s for s in sources if s is not bucket]


def effective_tags(resource: Resource, view: StackView) -> tuple[dict[str, Any], list[str]]:
    """(tags the resource will carry, what could not be read): its own provider's default_tags, then its tags."""
    unreadable = []
    if is_opaque(resource.get("provider")):  # Terraform itself refuses this: a provider is a static reference
        unreadable.append(f"provider is {resource.get('provider')!r}")
    alias = provider_alias(resource)
    defaults = view.provider_default_tags(alias)
    tags: dict[str, Any] = {}
    if isinstance(defaults, dict):
        tags.update(defaults)
    else:
        unreadable.append(f"default_tags of provider aws{'.' + alias if alias else ''} are {defaults!r}")
    for key in ("tags", "tags_all"):
        value = resource.get(key)
        if isinstance(value, dict):
            tags.update(value)
        elif value is not None:
            unreadable.append(f"{key} is {value!r}")
    for key, value in list(tags.items()):
        if is_opaque(value):
            unreadable.append(f"tag {key} is {value!r}")
    return tags, unreadable
