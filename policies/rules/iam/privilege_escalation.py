"""IAM-ESC-001: no identity policy grants a complete privilege-escalation method on unnamed resources.

The methods are cloudsplaining's catalog (after Rhino Security Labs' research): iam:CreatePolicyVersion,
iam:SetDefaultPolicyVersion, iam:Put*Policy, iam:Attach*Policy, iam:CreateAccessKey, iam:UpdateAssumeRolePolicy,
iam:PassRole with ec2:RunInstances / lambda:CreateFunction / glue:CreateDevEndpoint / cloudformation:CreateStack,
lambda:UpdateFunctionCode, ... A method counts when every action in it is reachable on resources wider than one
parent, across all statements of the resource.
"""

from policies.iam.grants import allowed_actions, wide_for
from policies.iam.sources import IDENTITY_TYPES, read_identity
from policies.model import Rule, Violation, judged


def methods():
    from cloudsplaining.shared.constants import PRIVILEGE_ESCALATION_METHODS

    return PRIVILEGE_ESCALATION_METHODS


def check(resource, view):
    found = read_identity(resource, view)
    if found is None:
        return None
    violations = found.failures()
    violations += escalation_violations(found.statements)
    return judged(violations, "no privilege-escalation method")


def escalation_violations(statements):
    """Every complete privilege-escalation method the statements together reach on unnamed resources."""
    violations = []
    reach: dict[str, list] = {}
    for s in statements:
        if s.allows:
            for action in allowed_actions(s)[0]:
                if wide_for(s, action):
                    reach.setdefault(action.key, []).append(s)
    for name, actions in sorted(methods().items()):
        if all(a in reach for a in actions):
            where = sorted({st.label for a in actions for st in reach[a]})
            violations.append(
                Violation(
                    f"{', '.join(actions)} on unnamed resources allow privilege escalation "
                    f"({name}; {', '.join(where)})",
                    (*actions, *(p for a in actions for st in reach[a] for p in (*st.actions, *st.resources))),
                )
            )
    return violations


RULE = Rule(
    id="IAM-ESC-001",
    title="Identity policies grant no privilege-escalation path",
    category="privilege",
    severity="critical",
    resource_types=IDENTITY_TYPES,
    check=check,
    fix="name the roles, users and policies these IAM actions may touch, or drop the actions",
    covers=("CKV_AWS_286", "CKV_AWS_110"),
)
