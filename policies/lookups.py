"""Look-ups several rules share: customer-managed keys and the S3 resources that configure a bucket."""

from __future__ import annotations

from typing import Any

from policies.model import Resource, StackView, is_reference

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
    if target is not None:
        if target.type == "aws_kms_alias" and str(target.get("name", "")).startswith(AWS_MANAGED_ALIAS_PREFIX):
            return False, f"alias {target.get('name')} is AWS-managed"
        if target.type in ("aws_kms_key", "aws_kms_alias", "aws_kms_replica_key", "aws_kms_external_key"):
            return True, ""
        return False, f"{target.address} is not a KMS key"
    if is_reference(value):
        return True, ""  # a variable or remote reference: trusted, the plan resolves it
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


def effective_tags(resource: Resource, view: StackView) -> dict[str, Any]:
    tags = dict(view.default_tags)
    tags.update(resource.get("tags") or {})
    tags.update(resource.get("tags_all") or {})
    return tags
