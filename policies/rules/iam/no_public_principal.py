"""IAM-PUB-001: no resource policy, trust policy or grant gives anything to the public.

Public: Principal "*" (or AWS "*") or an Allow with NotPrincipal (everyone but the named), unless a condition fixes
the caller's account, organization, source ARN or network origin (the keys AWS's public-access analysis counts:
S3 User Guide, https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html).
A condition such as aws:SecureTransport does not.

Also public, though no policy document says "*":
- a Lambda function URL whose authorization_type is not AWS_IAM: with NONE "Lambda doesn't perform any
  authentication" (https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html);
- an aws_lambda_permission to "*" without source_arn, source_account or principal_org_id;
- an aws_lambda_layer_version_permission to "*" without organization_id: every AWS account may download the layer
  (https://docs.aws.amazon.com/lambda/latest/api/API_AddLayerVersionPermission.html);
- an aws_cloudwatch_event_permission to "*" without a condition on aws:PrincipalOrgId: every account may put events
  on the bus (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutPermission.html);
- a web-identity trust (GitHub Actions OIDC, any OIDC provider, Cognito, Google, Facebook, Amazon) whose
  conditions do not fix the token's subject (`<provider>:sub`; Cognito `:aud`, Facebook/Amazon `:app_id`): without
  it every token the provider issues (any GitHub repository) may assume the role. IAM User Guide, "Create a role
  for OpenID Connect federation" (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html)
  and GitHub's "Configuring OpenID Connect in Amazon Web Services".

A Lambda permission is read whole, so its action is judged here too, whoever it names: a wildcard (`lambda:*` or
`*`, both of which AddPermission accepts) hands the principal every Lambda action on the function, its code,
configuration and policy among them, instead of invoking it
(https://docs.aws.amazon.com/lambda/latest/api/API_AddPermission.html).
"""

from policies.iam.arns import has_wildcard
from policies.iam.conditions import fixed, narrows_principals
from policies.iam.documents import Condition
from policies.iam.principals import is_public
from policies.iam.sources import RESOURCE_TYPES, read, resource_policies
from policies.model import Rule, Violation, block_of, is_opaque, judged

# The claim that names who the token was issued to, per web-identity provider (default: the OIDC `sub`).
SUBJECT_CLAIMS = {
    "cognito-identity.amazonaws.com": ("aud",),
    "accounts.google.com": ("aud", "sub"),
    "graph.facebook.com": ("app_id", "id"),
    "www.amazon.com": ("app_id", "user_id"),
}


def check(resource, view):
    if resource.type == "aws_lambda_permission":
        return _lambda_permission(resource)
    if resource.type == "aws_lambda_function_url":
        return _function_url(resource)
    if resource.type in GRANTS:
        return _grant(resource, *GRANTS[resource.type])
    sources = resource_policies(resource)
    if not sources:
        return None
    found = read(sources, view)
    violations = found.failures()
    for s in found.statements:
        if s.allows and is_public(s) and not narrows_principals(s):
            who = "everyone but NotPrincipal" if s.not_principals is not None else "anyone (Principal *)"
            violations.append(Violation(f"{s.label} allows {who}", (*s.actions, *s.resources)))
        elif s.allows:
            violations += _web_identity(s, view)
    return judged(violations, "no public principal")


def _function_url(url):
    auth = url.get("authorization_type")
    if auth == "AWS_IAM":
        return judged([], "the function URL requires IAM (SigV4) authorization")
    why = "cannot be read" if is_opaque(auth) else "lets anyone on the internet invoke the function"
    return judged([Violation(f"function URL authorization_type {auth!r} {why}; set AWS_IAM", (str(auth),))], "")


def _web_identity(s, view):
    found = []
    for provider in (s.principals or {}).get("Federated", ()):
        target = view.resolve(provider)
        if "saml-provider/" in provider or (target is not None and target.type == "aws_iam_saml_provider"):
            continue  # SAML: the IdP's assertion names the user; judged by the SAML:aud audience AWS requires
        host = _host(provider, target)
        claims = SUBJECT_CLAIMS.get(host, ("sub",))
        if not any(_bound(c, claims) for c in s.conditions):
            found.append(
                Violation(
                    f"{s.label} trusts every identity {host} issues: add a condition on "
                    f"{' or '.join(f'{host}:{c}' for c in claims)} naming the repository/branch (or app, pool)",
                    (provider, *s.actions),
                )
            )
    return found


def _host(provider, target):
    """The issuer host of a federated principal: from an oidc-provider ARN, or the url of the
    aws_iam_openid_connect_provider it references."""
    if target is not None and isinstance(target.get("url"), str):
        return target.get("url").removeprefix("https://").rstrip("/")
    return provider.split(":oidc-provider/", 1)[-1]


def _bound(condition: Condition, claims) -> bool:
    """A fixed test of the subject claim whose values name someone (`repo:*` or `*`-led subjects name no
    repository). The key's issuer part may be written as a reference; its claim suffix decides."""
    if not any(condition.key.endswith(f":{c}") for c in claims) or not fixed(condition):
        return False
    return not any(v.split(":", 1)[-1].startswith("*") for v in condition.values)


def _lambda_permission(permission):
    action = permission.get("action")
    violations = []
    if is_opaque(action) or not isinstance(action, str):
        violations.append(Violation(f"action {action!r} cannot be read; name the action literally", (str(action),)))
    elif has_wildcard(action):
        violations.append(
            Violation(
                f"the permission gives {permission.get('principal')!r} {action}: every Lambda action on the function "
                "(its code, configuration and policy), not only invoking it; name the action (lambda:InvokeFunction)",
                (action,),
            )
        )
    principal = permission.get("principal")
    if is_opaque(principal):
        return judged(
            [*violations, Violation(f"principal {principal!r} cannot be read; name the principal literally")], ""
        )
    if principal != "*":
        return judged(violations, "the permission names its principal and its action")
    bounds = [
        Condition(op, key, (permission.get(attr),))
        for attr, op, key in (
            ("source_arn", "ArnLike", "aws:sourcearn"),
            ("source_account", "StringEquals", "aws:sourceaccount"),
            ("principal_org_id", "StringEquals", "aws:principalorgid"),
        )
        if isinstance(permission.get(attr), str) and not is_opaque(permission.get(attr))
    ]
    if any(fixed(c) and not c.values[0].split(":", 5)[-1].startswith("*") for c in bounds):
        return judged(violations, "the permission to * is confined to one source or organization")
    what = "invoke the function URL" if permission.get("function_url_auth_type") == "NONE" else "invoke the function"
    return judged(
        [
            *violations,
            Violation(f"the permission lets anyone {what}{_unread_bounds(permission)}", ("*", str(action))),
        ],
        "",
    )


# Grants written as resources, not documents: type -> (what "*" may do, how the grant is confined to an
# organization: the attribute, or the condition block's key)
GRANTS = {
    "aws_lambda_layer_version_permission": ("download the layer", "organization_id"),
    "aws_cloudwatch_event_permission": ("put events on the bus", "condition"),
}


def _grant(grant, what, confinement):
    principal = grant.get("principal")
    if is_opaque(principal) or not isinstance(principal, str):
        return judged([Violation(f"principal {principal!r} cannot be read; name the principal literally")], "")
    if principal != "*":
        return judged([], "the grant names its principal")
    bound = grant.get(confinement) if confinement != "condition" else block_of(grant.get("condition")).get("value")
    if isinstance(bound, str) and bound and not is_opaque(bound) and not bound.startswith("*"):
        return judged([], "the grant to * is confined to one organization")
    unread = (
        f" ({confinement} is {bound!r}, which the stack does not show: write it literally)" if is_opaque(bound) else ""
    )
    return judged([Violation(f"the grant lets every AWS account {what}{unread}", ("*", str(grant.get("action"))))], "")


def _unread_bounds(permission):
    """What the stack does not show of a permission's bounds (a variable there could confine it, or not)."""
    unread = [
        f"{attr} is {permission.get(attr)!r}"
        for attr in ("source_arn", "source_account", "principal_org_id")
        if is_opaque(permission.get(attr))
    ]
    return f" ({', '.join(unread)}, which the stack does not show: write it literally)" if unread else ""


RULE = Rule(
    id="IAM-PUB-001",
    title="Resource policies, trust policies and grants give nothing to the public",
    category="privilege",
    severity="critical",
    resource_types=(*RESOURCE_TYPES, "aws_iam_role", "aws_lambda_permission", "aws_lambda_function_url", *GRANTS),
    check=check,
    fix="name the principals (account, role, or service with aws:SourceAccount / aws:SourceArn) instead of * or "
    "NotPrincipal; function URLs use AWS_IAM; web-identity trusts fix the token's sub (repo:org/repo:ref:...); "
    "Lambda permissions name their action (lambda:InvokeFunction)",
    covers=("CKV_AWS_70", "CKV_AWS_60", "CKV_AWS_283"),
)
