"""GLUE-ENC-002: every Glue job runs with a security configuration."""

from policies.model import Rule, fail, is_opaque, ok


def check(job, view):
    value = job.get("security_configuration")
    if is_opaque(value):
        return fail(f"security_configuration {value!r} cannot be read; reference the configuration in this stack")
    if value:
        return ok("security configuration attached")
    return fail("job runs without a security configuration (unencrypted logs, bookmarks and S3 output)")


RULE = Rule(
    id="GLUE-ENC-002",
    title="Glue jobs run with a security configuration",
    category="encryption",
    severity="high",
    resource_types=("aws_glue_job",),
    check=check,
    fix="set security_configuration to an aws_glue_security_configuration with all three encryption modes",
    covers=("CKV_AWS_195",),
)
