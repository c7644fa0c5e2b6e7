"""DES-EPH-001: in an ephemeral environment everything can be destroyed: no retain, no deletion protection."""

from policies.model import Rule, fail, ok


def check(resource, view):
    lifecycle = resource.get("lifecycle") or {}
    if resource.flag("lifecycle.prevent_destroy", lifecycle.get("prevent_destroy")) is True:
        return fail("lifecycle.prevent_destroy blocks terraform destroy")
    if resource.type == "aws_rds_cluster":
        if resource.flag("deletion_protection") is True:
            return fail("deletion_protection is on in an ephemeral environment")
        if resource.flag("skip_final_snapshot") is not True:
            return fail("destroy would leave a final snapshot behind (skip_final_snapshot is not true)")
    if resource.type == "aws_s3_bucket" and resource.flag("force_destroy") is not True:
        return fail("a bucket with objects cannot be destroyed without force_destroy")
    if resource.type == "aws_kms_key" and (resource.number("deletion_window_in_days") or 30) > 7:
        return fail("keys stay pending deletion for more than 7 days")
    if resource.type == "aws_cloudwatch_log_group" and resource.flag("skip_destroy") is True:
        return fail("skip_destroy keeps the log group after destroy")
    return ok("destroyable")


RULE = Rule(
    id="DES-EPH-001",
    title="Ephemeral environments destroy cleanly",
    category="resilience",
    severity="high",
    resource_types=("*",),
    profiles=("ephemeral",),
    check=check,
    fix="use the ephemeral profile defaults (force_destroy, skip_final_snapshot, 7-day key window, no prevent_destroy)",
)
