"""RES-PRD-001: production keeps its data: deletion protection, final snapshot, backups, stream replay."""

from policies.model import Rule, fail, ok


def check(resource, view):
    if resource.type == "aws_rds_cluster":
        if resource.flag("deletion_protection") is not True:
            return fail("deletion_protection is off in production")
        if resource.flag("skip_final_snapshot") is True:
            return fail("destroy would skip the final snapshot in production")
        if (resource.number("backup_retention_period") or 1) < 7:
            return fail("backups are kept for less than 7 days")
        return ok("deletion protection, final snapshot and backups")
    if resource.type == "aws_kinesis_stream":
        if (resource.number("retention_period") or 24) < 168:
            return fail("the stream keeps less than 7 days for replay")
        return ok("7 days of replay")
    if resource.type == "aws_s3_bucket" and resource.flag("force_destroy") is True:
        return fail("force_destroy would delete the lake's objects with the bucket")
    return ok("data kept")


RULE = Rule(
    id="RES-PRD-001",
    title="Production data is protected from deletion",
    category="resilience",
    severity="high",
    resource_types=("aws_rds_cluster", "aws_kinesis_stream", "aws_s3_bucket"),
    profiles=("production",),
    check=check,
    fix="use the production profile: deletion_protection, final snapshot, >= 7 days backups and stream retention",
    covers=("CKV_AWS_139",),
)
