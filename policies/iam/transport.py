"""TLS-only resource policies: a Deny that reaches every principal, the actions it must, and the resource itself
whenever aws:SecureTransport is false (`Bool` or `BoolIfExists`; condition keys are case-insensitive).

A Deny on one role, on the bucket ARN without its objects, on one harmless action, or narrowed by a second
condition is not TLS-only (S3 User Guide, "Enforce encryption in transit":
https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html#transit).
"""

from __future__ import annotations

import re

from policies.iam.catalog import Action, glob_regex
from policies.iam.documents import Statement
from policies.iam.grants import allowed_actions
from policies.iam.principals import is_public

_PARTITION = re.compile(r"^arn:\$\{data\.aws_partition\.[A-Za-z0-9_-]+\.partition\}:")


def insecure_transport_condition(statement: Statement) -> bool:
    return len(statement.conditions) == 1 and any(
        c.key == "aws:securetransport"
        and c.base_operator == "bool"
        and c.values == ("false",)
        and not c.operator.lower().startswith("for")
        for c in statement.conditions
    )


def denies_insecure(statement: Statement, actions: tuple[Action, ...], targets: list[str], aliases: dict[str, str]):
    """Why the statement is not a TLS-only Deny for `actions` on every ARN in `targets`, or "" when it is."""
    if statement.allows:
        return "not a Deny"
    if not is_public(statement) or statement.not_principals is not None:
        return "does not deny every principal"
    if not insecure_transport_condition(statement):
        return "is not conditioned on aws:SecureTransport = false alone"
    covered = {a.key for a in allowed_actions(statement)[0]}
    missing = [a.id for a in actions if a.key not in covered]
    if missing:
        return f"leaves {', '.join(missing[:3])}{' and more' if len(missing) > 3 else ''} allowed over plain HTTP"
    if statement.not_resources:
        return "uses NotResource"
    patterns = [_normal(r, aliases) for r in statement.resources]
    uncovered = [t for t in targets if not any(glob_regex(p).fullmatch(t) for p in patterns)]
    if uncovered:
        return f"does not cover {', '.join(uncovered)}"
    return ""


def _normal(pattern: str, aliases: dict[str, str]) -> str:
    """Partition, region and account written as literals or references compare equal to the target's."""
    text = _PARTITION.sub("arn:aws:", pattern)
    for token, value in aliases.items():
        text = text.replace(token, value)
    parts = text.split(":", 5)
    if len(parts) == 6:
        for index, placeholder in ((3, "REGION"), (4, "ACCOUNT")):
            if parts[index] and not any(c in parts[index] for c in "*?"):
                parts[index] = placeholder
        text = ":".join(parts)
    return text
