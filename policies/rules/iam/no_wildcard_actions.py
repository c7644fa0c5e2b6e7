"""IAM-LP-001: every allowed action is named; no wide wildcard pattern, no NotAction, no action the catalog lacks.

Patterns are expanded against the IAM action catalog (case-insensitive). A wildcard may stand for a few variants
of one kind of action, as AWS's own key policies write them (`kms:GenerateDataKey*`: 4 Write actions,
`kms:ReEncrypt*`: 2); it fails when it reaches a Permissions management action (`iam:Pass*`, `iam:*Policy`,
`s3:Put*`), spans more than one access level, more than MAX_VARIANTS actions (`s3:Get*`: 58), or nothing today.
AWS's default key policy statement (the key's own account root, `kms:*`) delegates the key to IAM and passes
(KMS Developer Guide, "Default key policy",
https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html); `kms:*` to any other principal fails.
"""

from policies.iam import arns
from policies.iam.catalog import catalog
from policies.iam.principals import only_roots
from policies.iam.sources import (
    IDENTITY_TYPES,
    KEY_POLICY_TYPES,
    RESOURCE_TYPES,
    identity_policies,
    read,
    resource_policies,
)
from policies.model import Rule, Violation, judged

MAX_VARIANTS = 5


def check(resource, view):
    sources = identity_policies(resource) + (resource_policies(resource) if resource.type in RESOURCE_TYPES else [])
    if not sources:
        return None
    found = read(sources, view)
    violations = found.failures()
    for s in found.statements:
        if resource.type in KEY_POLICY_TYPES and only_roots(s):
            # the default key policy statement: access is decided by IAM policies in the root's account; whose
            # account that is, is KMS-POL-001's question
            continue
        violations += statement_violations(s)
    return judged(violations, "every allowed action is named")


def statement_violations(s):
    """Every wide pattern, NotAction and unknown action an Allow statement names."""
    if not s.allows:
        return []
    cat = catalog()
    violations = []
    if s.not_actions:
        count = len(cat.everything_but(s.not_actions))
        violations.append(
            Violation(
                f"{s.label} allows every action but {', '.join(s.not_actions)} ({count} actions)",
                s.not_actions + s.resources,
            )
        )
    for pattern in (a for a in s.actions if arns.has_wildcard(a)):
        why = wide_pattern(pattern)
        if why:
            violations.append(Violation(f"{s.label} allows {pattern} ({why})", (pattern, *s.resources)))
    for name in (a for a in s.actions if not arns.has_wildcard(a) and cat.get(a) is None):
        violations.append(
            Violation(
                f"{s.label} names {name}, which is not an action in the IAM catalog ({cat.version})",
                (name, *s.resources),
            )
        )
    return violations


def wide_pattern(pattern):
    """Why a wildcard action pattern is too wide, or "" for a few variants of one kind of action."""
    matched = catalog().expand(pattern)
    if not matched:
        return "matches no action today, so it grants whatever AWS adds"
    levels = sorted({a.access_level for a in matched}, key=_rank)
    if "Permissions management" in levels:
        admin = sorted(a.id for a in matched if a.access_level == "Permissions management")
        return f"{len(matched)} actions, Permissions management among them: {', '.join(admin[:3])}"
    if len(levels) > 1 or len(matched) > MAX_VARIANTS:
        return f"{len(matched)} actions at {' and '.join(levels)}"
    return ""


def _rank(level):
    return ("List", "Read", "Tagging", "Write", "Permissions management").index(level)


RULE = Rule(
    id="IAM-LP-001",
    title="Policies name their actions (no wildcard patterns, no NotAction)",
    category="privilege",
    severity="critical",
    resource_types=(*IDENTITY_TYPES, *RESOURCE_TYPES),
    check=check,
    fix="list the exact actions the principal calls (e.g. kinesis:GetRecords); no *, service:*, Get*, ? or NotAction",
    covers=("CKV_AWS_63", "CKV_AWS_49"),
)
