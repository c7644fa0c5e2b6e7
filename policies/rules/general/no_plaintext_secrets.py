"""SEC-PLAIN-001: no password, key or token is written as a literal value in the stack."""

import re

from policies.model import Rule, block_of, fail, is_reference, ok

SECRET_NAME = re.compile(r"(pass(word)?|secret|token|api_?key|private_?key)", re.IGNORECASE)


def _literal(value):
    return isinstance(value, str) and value != "" and not is_reference(value)


def check(resource, view):
    if resource.type in ("aws_rds_cluster", "aws_db_instance"):
        if resource.get("master_password") is not None:
            return fail("master_password is set in code; use manage_master_user_password = true")
        return ok("master password managed by RDS")
    if resource.type == "aws_secretsmanager_secret_version":
        if _literal(resource.get("secret_string")) or _literal(resource.get("secret_binary")):
            return fail("secret value is written in code; fetch the existing secret with a data source")
        return ok("secret value not in code")
    if resource.type == "aws_lambda_function":
        variables = block_of(resource.get("environment")).get("variables") or {}
    else:
        variables = resource.get("default_arguments") or {}
    leaked = [k for k, v in variables.items() if SECRET_NAME.search(k) and _literal(v) and not _is_pointer(v)]
    if leaked:
        return fail("literal secret values in " + ", ".join(sorted(leaked)))
    return ok("no literal secrets")


def _is_pointer(value):
    """ARNs, secret names and URLs point at a secret rather than containing it."""
    return value.startswith(("arn:", "https://", "s3://")) or "/" in value


RULE = Rule(
    id="SEC-PLAIN-001",
    title="No plaintext secrets in infrastructure code",
    category="secrets",
    severity="critical",
    resource_types=(
        "aws_rds_cluster",
        "aws_db_instance",
        "aws_secretsmanager_secret_version",
        "aws_lambda_function",
        "aws_glue_job",
    ),
    check=check,
    fix="keep values in Secrets Manager; pass the secret ARN and fetch it at run time",
    checkov_ids=("CKV_AWS_45",),
)
