"""IAM-LP-002: identity policies grant Write, Permissions management, Tagging and Read of data only on named
resources.

Judged by the IAM action catalog: an action that supports no resource-level permission (xray:PutTraceSegments,
ec2:DescribeSubnets, cloudwatch:PutMetricData) may have `Resource "*"` at any access level. For every other action,
a resource pattern whose wildcard spans more than one parent resource (`*`, `arn:aws:s3:::*/*`,
`arn:aws:secretsmanager:*:<acct>:secret:*`, `role/*`), or NotResource, fails at those levels unless a condition
narrows what is reachable (aws:ResourceTag, cloudwatch:namespace, kms:ViaService with kms:CallerAccount, ...).
`aws:SecureTransport` or `aws:RequestedRegion` narrow nothing.
"""

from policies.iam.grants import unbounded
from policies.iam.sources import IDENTITY_TYPES, read_identity
from policies.model import Rule, Violation, judged

SHOWN = 6


def check(resource, view):
    found = read_identity(resource, view)
    if found is None:
        return None
    violations = found.failures()
    for s in found.statements:
        violations += statement_violations(s)
    return judged(violations, "sensitive actions are granted on named resources only")


def statement_violations(s):
    """The sensitive actions an Allow statement reaches on wide resources with no narrowing condition."""
    reaches = unbounded(s)
    if not reaches:
        return []
    names = sorted({f"{r.action.id} ({r.why})" for r in reaches})
    more = f" and {len(names) - SHOWN} more" if len(names) > SHOWN else ""
    scope = "every resource but " + ", ".join(s.not_resources) if s.not_resources else ", ".join(s.resources)
    return [
        Violation(
            f"{s.label} allows {', '.join(names[:SHOWN])}{more} on {scope} with no condition that narrows it",
            (*s.actions, *s.not_actions, *s.resources, *s.not_resources, *(r.action.id for r in reaches)),
        )
    ]


RULE = Rule(
    id="IAM-LP-002",
    title="Identity policies grant sensitive actions on named resources only",
    category="privilege",
    severity="high",
    resource_types=IDENTITY_TYPES,
    check=check,
    fix="name the ARNs (objects inside one bucket, one stream, one secret); Resource * only for actions without "
    "resource-level permissions, or with a narrowing condition such as aws:ResourceTag",
    covers=("CKV_AWS_290", "CKV_AWS_111", "CKV_AWS_289", "CKV_AWS_109"),
)
