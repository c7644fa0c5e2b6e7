"""KMS-POL-001: a key has an explicit key policy that grants nothing to the public, to other accounts or to
services without a condition, and gives `kms:*` or key administration only to the key's own account root.

In a key policy `Resource "*"` means this key. AWS's default statement (own account root, `kms:*`) delegates the
key to IAM and passes (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html); a service
principal must be bound with aws:SourceAccount / aws:SourceArn, kms:CallerAccount, kms:ViaService or an encryption
context (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-services.html).
"""

from policies.iam.conditions import narrows_principals
from policies.iam.grants import allowed_actions
from policies.iam.principals import (
    account_of,
    is_literal_account,
    is_own_account,
    is_public,
    only_own_root,
    only_roots,
    undeclared,
)
from policies.iam.sources import KEY_POLICY_TYPES, read
from policies.model import Replacement, Rule, Violation, judged

ADMIN_LEVELS = ("Permissions management",)


def check(key, view):
    sources = []
    if key.type == "aws_kms_key_policy":
        sources.append(("key policy", key.get("policy")))
    else:
        if key.get("policy"):
            sources.append(("key policy", key.get("policy")))
        for attached in view.referencing(key, "aws_kms_key_policy", attribute="key_id"):
            sources.append((f"key policy {attached.address}", attached.get("policy")))
        if not sources:
            return judged(
                [Violation("key has no explicit key policy (the default trusts every IAM principal in the account)")],
                "",
            )
    found = read(sources, view)
    violations = found.failures()
    for s in found.statements:
        if not s.allows or only_own_root(s, view):
            continue
        names = (*s.actions, *s.not_actions)
        unknown = _undeclared_accounts(s, view)
        if unknown and (only_roots(s) or _bound_to(s, unknown)):
            # AWS's default statement (an account root, kms:*) or a service bound to an account: the only
            # question is whose account it is, asked once
            violations.append(
                Violation(f"{s.label} names {'; '.join(undeclared(a) for a in unknown)}", (*unknown, *names))
            )
            continue
        conditioned = bool(narrows_principals(s))
        if is_public(s) and not conditioned:
            who = "everyone but NotPrincipal" if s.not_principals is not None else "anyone (Principal *)"
            violations.append(Violation(f"{s.label} allows {who}", names))
            continue
        actions, _ = allowed_actions(s)
        admin = sorted({a.id for a in actions if a.access_level in ADMIN_LEVELS})
        if s.not_actions or any(a in ("*", "kms:*") for a in (x.lower() for x in s.actions)):
            violations.append(
                Violation(
                    f"{s.label} gives {', '.join(names)} to a principal other than the key's own account root", names
                )
            )
        elif admin:
            violations.append(
                Violation(
                    f"{s.label} lets a principal other than the account root manage the key ({', '.join(admin[:4])})",
                    names,
                )
            )
        for kind, ids in (s.principals or {}).items():
            for principal in ids:
                if kind == "Service" and not conditioned:
                    violations.append(
                        Violation(
                            f"{s.label} trusts {principal} without aws:SourceAccount, "
                            "aws:SourceArn, kms:CallerAccount or an encryption context",
                            (principal, *names),
                        )
                    )
                elif kind == "AWS" and principal != "*" and not conditioned:
                    account = account_of(principal)
                    if account is not None and not is_own_account(account, view):
                        violations.append(
                            Violation(
                                f"{s.label} trusts {principal} in another account (or one the "
                                "stack cannot identify) without a condition",
                                (principal, *names),
                            )
                        )
    return judged(violations, "explicit least-privilege key policy")


BINDING_KEYS = ("aws:sourceaccount", "kms:calleraccount", "aws:sourceowner")


def _undeclared_accounts(statement, view):
    """Literal account ids the statement names (as root principals, or in the conditions that bind a service to an
    account) that the stack does not declare as its own."""
    named = {account_of(p) for p in statement.principal_ids() if p != "*"}
    named |= {v for c in statement.conditions if c.key in BINDING_KEYS for v in c.values}
    return sorted(a for a in named if is_literal_account(a) and not is_own_account(a, view))


def _bound_to(statement, accounts):
    """A service principal bound by a condition to exactly these accounts (AWS's documented service statement)."""
    services = (statement.principals or {}).get("Service")
    bound = {v for c in statement.conditions if c.key in BINDING_KEYS for v in c.values}
    return bool(services) and bool(bound) and bound <= set(accounts) | {None}


RULE = Rule(
    id="KMS-POL-001",
    title="KMS keys have explicit least-privilege key policies",
    category="privilege",
    severity="high",
    resource_types=KEY_POLICY_TYPES,
    check=check,
    fix="keep kms:* for the own account root (data.aws_caller_identity); name other principals with the actions "
    "they use; bind service principals with aws:SourceAccount or kms:CallerAccount",
    covers=("CKV_AWS_33",),
    replaces=(
        Replacement(
            checks=("CKV_AWS_109", "CKV_AWS_111", "CKV_AWS_356"),
            types=("aws_kms_key", "aws_kms_key_policy"),
            reason='in a key policy, Resource "*" means the key the policy is attached to, not every resource (AWS '
            'KMS Developer Guide, "Default key policy": '
            "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html); Checkov reads it as an "
            "identity policy on every resource. KMS-POL-001 and IAM-LP-001 judge key policies by their principals "
            "and actions",
        ),
    ),
)
