"""IAM-MAN-001: a managed policy attached to a principal passes the same judgement as a policy we write.

Attachments: aws_iam_role/user/group_policy_attachment, aws_iam_policy_attachment, the *_policy_attachments_exclusive
resources, aws_iam_role.managed_policy_arns and aws_ssoadmin_managed_policy_attachment. An AWS managed policy is
judged by its DOCUMENT (policies/iam/managed.py: moto's copy of AWS's managed policies), with the semantics of
IAM-LP-001 (wildcard patterns, NotAction), IAM-LP-002 (Write, Permissions management, Tagging and Read of data on
wide resources) and IAM-ESC-001 (privilege-escalation methods): SecretsManagerReadWrite and
AmazonEC2ContainerRegistryPowerUser fail for what they grant, not for their names. A managed policy the copy does
not hold, a policy ARN from a variable, or a customer policy that is not an aws_iam_policy of this stack cannot be
read, so it fails (fail closed). A customer-managed policy of this stack (a reference, or its ARN in this account)
is judged by the policy rules on its own aws_iam_policy.
"""

import re
from functools import cache

from policies.iam import managed
from policies.iam.documents import statements
from policies.iam.principals import is_own_account
from policies.iam.sources import ATTACHMENTS, attached_policy_arns
from policies.model import Rule, StackView, Violation, is_opaque, judged
from policies.rules.iam.no_wildcard_actions import statement_violations as wildcard_violations
from policies.rules.iam.no_wildcard_resources import statement_violations as reach_violations
from policies.rules.iam.privilege_escalation import escalation_violations

_PARTITION = r"(?:aws|aws-cn|aws-us-gov|\$\{[^}]+\})"
AWS_MANAGED = re.compile(rf"^arn:{_PARTITION}:iam::aws:policy(?P<path>/(?:.*/)?)(?P<name>[^/]+)$")
CUSTOMER = re.compile(rf"^arn:{_PARTITION}:iam::(?P<account>[^:]+):policy(?P<path>/(?:.*/)?)(?P<name>[^/]+)$")


def check(resource, view):
    arns = attached_policy_arns(resource)
    if resource.type == "aws_iam_role" and not arns:
        return None
    violations = []
    for arn in arns:
        violations += _judge(arn, view)
    return judged(violations, "every attached managed policy passes the least-privilege judgement")


def _judge(arn, view):
    if not isinstance(arn, str) or is_opaque(arn):
        return [
            Violation(
                f"attached policy {arn!r} cannot be read; attach a literal ARN or a reference to a policy in "
                "this stack",
                (str(arn),),
            )
        ]
    target = view.resolve(arn)
    if target is not None and target.type == "aws_iam_policy" and target.mode == "resource":
        return []  # judged by the policy rules on the aws_iam_policy itself
    name, path = _managed_name(arn, target)
    if name is None:
        if _customer_policy_in_stack(arn, view):
            return []
        return [Violation(f"attached policy {arn} is not in this stack, so its permissions cannot be judged", (arn,))]
    policy = managed.lookup(name, path)
    if policy is None:
        return [
            Violation(
                f"attached AWS managed policy {name} is not in {managed.source()}, so what it grants cannot be "
                "judged; attach a policy written in this stack, or suppress with a reason after reading it",
                (arn, name),
            )
        ]
    return [
        Violation(f"attaches the AWS managed policy {name} ({policy.version}): {v.message}", (arn, name, *v.names))
        for v in _document_violations(name)
    ]


@cache
def _document_violations(name):
    policy = managed.lookup(name)
    found = statements(policy.document, StackView({}), name)
    violations = [v for s in found for v in (*wildcard_violations(s), *reach_violations(s))]
    return tuple(violations + escalation_violations(found))


def _managed_name(arn, target):
    """(name, path) of the AWS managed policy the ARN or data source names, or (None, None)."""
    if target is not None and target.type == "aws_iam_policy" and target.mode == "data":
        literal = target.get("arn") or ""
        match = AWS_MANAGED.match(literal) if isinstance(literal, str) else None
        if match:
            return match.group("name"), match.group("path")
        name = target.get("name")
        if isinstance(name, str) and not is_opaque(name) and not target.get("path_prefix"):
            return name, None
        return None, None
    match = AWS_MANAGED.match(arn)
    return (match.group("name"), match.group("path")) if match else (None, None)


def _customer_policy_in_stack(arn, view):
    """A customer-managed policy ARN of this account whose aws_iam_policy (name and path) is in the stack."""
    match = CUSTOMER.match(arn)
    if not match or not is_own_account(match.group("account"), view):
        return False
    return any(
        p.get("name") == match.group("name") and (p.get("path") or "/") == match.group("path")
        for p in view.resources("aws_iam_policy")
    )


RULE = Rule(
    id="IAM-MAN-001",
    title="Attached managed policies pass the least-privilege judgement",
    category="privilege",
    severity="critical",
    resource_types=tuple(ATTACHMENTS),
    check=check,
    fix="write a least-privilege policy for what the principal does instead of attaching a broad managed policy",
    covers=("CKV_AWS_274", "CKV2_AWS_56"),
)
