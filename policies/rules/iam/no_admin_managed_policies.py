"""IAM-MAN-001: no principal gets an administrative or full-access managed policy, however it is attached.

Attachments: aws_iam_role/user/group_policy_attachment, aws_iam_policy_attachment, the *_policy_attachments_exclusive
resources and aws_iam_role.managed_policy_arns. AWS managed policies are judged by name (AdministratorAccess,
PowerUserAccess, IAMFullAccess and every `*FullAccess`: AWS's job-function and service full-access policies grant
all actions of a service on every resource). A customer-managed policy in the stack is judged by the policy rules
on its own aws_iam_policy; one that is not in the stack cannot be read, so it fails.
"""

import re

from policies.iam.sources import ATTACHMENTS, attached_policy_arns
from policies.model import Rule, Violation, is_opaque, judged

AWS_MANAGED = re.compile(r"^arn:(?:aws|aws-cn|aws-us-gov|\$\{[^}]+\}):iam::aws:policy/(?:.*/)?(?P<name>[^/]+)$")
BROAD = ("AdministratorAccess", "PowerUserAccess", "IAMFullAccess")


def broad(name):
    return name in BROAD or name.endswith("FullAccess") or name.startswith("AdministratorAccess")


def check(resource, view):
    arns = attached_policy_arns(resource)
    if resource.type == "aws_iam_role" and not arns:
        return None
    violations = []
    for arn in arns:
        if not isinstance(arn, str) or is_opaque(arn):
            violations.append(
                Violation(
                    f"attached policy {arn!r} cannot be read; attach a literal ARN or a "
                    "reference to a policy in this stack",
                    (str(arn),),
                )
            )
            continue
        target = view.resolve(arn)
        if target is not None and target.type == "aws_iam_policy" and target.mode == "resource":
            continue  # judged by the policy rules on the aws_iam_policy itself
        name = _managed_name(arn, target)
        if name is None:
            violations.append(
                Violation(f"attached policy {arn} is not in this stack, so its permissions cannot be judged", (arn,))
            )
        elif broad(name):
            violations.append(Violation(f"attaches the AWS managed policy {name}", (arn, name)))
    return judged(violations, "no administrative or full-access managed policy")


def _managed_name(arn, target):
    if target is not None and target.type == "aws_iam_policy" and target.mode == "data":
        literal = target.get("arn") or ""
        match = AWS_MANAGED.match(literal) if isinstance(literal, str) else None
        if match:
            return match.group("name")
        name = target.get("name")
        return name if isinstance(name, str) and not is_opaque(name) and not target.get("path_prefix") else None
    match = AWS_MANAGED.match(arn)
    return match.group("name") if match else None


RULE = Rule(
    id="IAM-MAN-001",
    title="No administrative or full-access managed policy is attached",
    category="privilege",
    severity="critical",
    resource_types=tuple(ATTACHMENTS),
    check=check,
    fix="write a least-privilege policy for what the principal does instead of AdministratorAccess/*FullAccess",
    checkov_ids=("CKV_AWS_274", "CKV2_AWS_56"),
)
