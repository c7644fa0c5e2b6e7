"""IAM-LP-003: iam:PassRole (however it is written: iam:Pass*, iam:*, *, NotAction) names the roles it may pass."""

from policies.iam.grants import allowed_actions, wide_for
from policies.iam.sources import IDENTITY_TYPES, read_identity
from policies.model import Rule, Violation, judged


def check(resource, view):
    found = read_identity(resource, view)
    if found is None:
        return None
    violations = found.failures()
    for s in found.statements:
        if not s.allows:
            continue
        passrole = next((a for a in allowed_actions(s)[0] if a.key == "iam:passrole"), None)
        if passrole is not None and wide_for(s, passrole):
            written = ", ".join(s.actions) or "NotAction " + ", ".join(s.not_actions)
            violations.append(
                Violation(
                    f"{s.label} lets the principal pass any role "
                    f"({written} on {', '.join(s.resources) or 'NotResource'})",
                    (*s.actions, *s.not_actions, *s.resources, *s.not_resources, "iam:PassRole"),
                )
            )
    return judged(violations, "no unbounded iam:PassRole")


RULE = Rule(
    id="IAM-LP-003",
    title="iam:PassRole is limited to named roles",
    category="privilege",
    severity="critical",
    resource_types=IDENTITY_TYPES,
    check=check,
    fix="list the role ARNs that may be passed and add an iam:PassedToService condition",
)
