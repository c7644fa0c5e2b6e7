"""IAM-XACCT-001: nothing reaches beyond the account without the bound AWS documents for that kind of grant.

The gate fails (severity high), not warns: a grant to another account is a data-sharing decision the gate cannot
verify, so it must carry its bound, or a suppression whose reason the auditors' report shows. Each place:

- role trust policy naming another account's principal: needs a fixed `sts:ExternalId` (IAM User Guide, "Access to
  AWS accounts owned by third parties", https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-user_externalid.html);
- resource policy (S3, SNS, SQS, Secrets Manager, ECR, ... every type in policies/iam/sources.RESOURCE_POLICIES but
  KMS keys, which KMS-POL-001 judges) naming another account's principal: needs a fixed `aws:PrincipalOrgID` or
  `aws:PrincipalOrgPaths`, AWS's data-perimeter bound (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalorgid);
- aws_lambda_permission to an AWS service: needs source_account, or a source_arn that names the account (an S3
  bucket ARN names none, so S3 needs source_account too): without them any account's bucket, topic or rule can
  invoke the function, the confused deputy (https://docs.aws.amazon.com/lambda/latest/dg/permissions-function-services.html,
  https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html); to another account: principal_org_id;
- aws_kms_grant: grantee and retiring principal in this account; CreateGrant (re-delegation), Decrypt or
  ReEncryptFrom only with an encryption-context constraint (KMS grant best practices,
  https://docs.aws.amazon.com/kms/latest/developerguide/grant-best-practices.html).

"Another account": an account id or IAM ARN whose account is neither data.aws_caller_identity's nor declared the
stack's own (guard's accounts, the cdktf context key guardrailsAccounts, the gate's --account-id, the AWS provider's
allowed_account_ids). A literal account id the stack does not declare counts as another account, and the finding
names it with the three ways to declare it.
"""

from policies.iam.conditions import fixed
from policies.iam.documents import Condition
from policies.iam.principals import account_of, foreign_principals, is_literal_account, is_own_account, undeclared
from policies.iam.sources import KEY_POLICY_TYPES, RESOURCE_TYPES, read, resource_policies
from policies.model import Rule, Violation, block_of, is_opaque, judged

ORG_KEYS = ("aws:principalorgid", "aws:principalorgpaths")
DELEGATING = ("CreateGrant", "Decrypt", "ReEncryptFrom")


def check(resource, view):
    if resource.type == "aws_lambda_permission":
        return _lambda_permission(resource, view)
    if resource.type == "aws_kms_grant":
        return _kms_grant(resource, view)
    sources = resource_policies(resource)
    if not sources:
        return None
    found = read(sources, view)
    trust = resource.type == "aws_iam_role"
    violations = []
    for s in found.statements:
        foreign = foreign_principals(s, view) if s.allows else []
        if not foreign:
            continue
        keys = ("sts:externalid",) if trust else ORG_KEYS
        if any(c.key in keys and fixed(c) for c in s.conditions):
            continue
        bound = "a fixed sts:ExternalId condition" if trust else "an aws:PrincipalOrgID condition"
        accounts = sorted({a for p in foreign if is_literal_account(a := account_of(p))})
        whose = f"; it names {'; '.join(undeclared(a) for a in accounts)}" if accounts else ""
        violations.append(
            Violation(
                f"{s.label} grants {', '.join(foreign)} (another account) without {bound}{whose}",
                (*foreign, *s.actions),
            )
        )
    return judged(violations, "no grant to another account without its bound")


def _literal(value):
    return isinstance(value, str) and value != "" and not is_opaque(value)


def _lambda_permission(permission, view):
    principal = permission.get("principal")
    if not _literal(principal) or principal == "*":
        return judged([], "judged by IAM-PUB-001")  # unreadable or public principals fail there
    if principal.endswith((".amazonaws.com", ".amazonaws.com.cn")):
        source_arn, source_account = permission.get("source_arn"), permission.get("source_account")
        account_ok = _literal(source_account) and fixed(
            Condition("StringEquals", "aws:sourceaccount", (source_account,))
        )
        arn_names_account = (
            _literal(source_arn)
            and fixed(Condition("ArnLike", "aws:sourcearn", (source_arn,)))
            and len(source_arn.split(":")) > 5
            and source_arn.split(":")[4] != ""
        )
        if account_ok or arn_names_account:
            return judged([], f"{principal} is bound to this account's source")
        unread = [
            f"{a} is {v!r}" for a, v in (("source_arn", source_arn), ("source_account", source_account)) if is_opaque(v)
        ]
        why = (
            f"{', '.join(unread)}, which the stack does not show: write it literally"
            if unread
            else "a source_arn that names no one account (S3 bucket ARNs name none)"
            if _literal(source_arn)
            else "no source_arn or source_account"
        )
        return judged(
            [Violation(f"{principal} may invoke the function from any account's resource: {why}", (principal,))], ""
        )
    account = account_of(principal)
    if account is None or is_own_account(account, view):
        return judged([], "the permission names a principal of this account")
    org = permission.get("principal_org_id")
    if _literal(org):
        return judged([], f"{principal} may invoke only while in the organization (principal_org_id)")
    unread = (
        f" (principal_org_id is {org!r}, which the stack does not show: write it literally)" if is_opaque(org) else ""
    )
    return judged([Violation(f"{principal} (another account) may invoke the function{unread}", (principal,))], "")


def _kms_grant(grant, view):
    violations = []
    for attribute in ("grantee_principal", "retiring_principal"):
        principal = grant.get(attribute)
        if principal is None and attribute == "retiring_principal":
            continue
        if not _literal(principal):
            violations.append(Violation(f"{attribute} {principal!r} cannot be read; name the principal", ()))
            continue
        account = account_of(principal)
        if account is not None and not is_own_account(account, view):
            violations.append(Violation(f"{attribute} {principal} is in another account", (principal,)))
    operations = grant.get("operations")
    if not isinstance(operations, list) or not all(_literal(o) for o in operations):
        violations.append(Violation(f"operations {operations!r} cannot be read; list them literally", ()))
        operations = []
    constraints = block_of(grant.get("constraints"))
    constrained = any(
        isinstance(constraints.get(k), dict) and constraints.get(k)
        for k in ("encryption_context_equals", "encryption_context_subset")
    )
    broad = sorted(o for o in operations if o in DELEGATING)
    if broad and not constrained:
        violations.append(
            Violation(
                f"the grant allows {', '.join(broad)} without an encryption-context constraint: it decrypts, or "
                "re-delegates, everything the key protects",
                tuple(broad),
            )
        )
    return judged(violations, "the grant stays in this account, narrowed by its encryption context")


RULE = Rule(
    id="IAM-XACCT-001",
    title="Grants to other accounts and AWS services carry the bound AWS documents",
    category="privilege",
    severity="high",
    resource_types=(
        *(t for t in RESOURCE_TYPES if t not in KEY_POLICY_TYPES),
        "aws_iam_role",
        "aws_lambda_permission",
        "aws_kms_grant",
    ),
    check=check,
    fix="trust another account only with sts:ExternalId; share resources only within the organization "
    "(aws:PrincipalOrgID); give Lambda permissions to services with source_account (and source_arn); keep KMS "
    "grants in this account with an encryption_context_equals constraint; or suppress with the sharing decision",
)
