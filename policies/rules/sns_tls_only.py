"""SNS-TLS-001: an SNS topic policy denies publish and subscribe over plain HTTP."""

from policies.iam import PolicyUnreadable, statements
from policies.model import Rule, fail, ok


def _denies_insecure(statement):
    condition = statement["Condition"].get("Bool", {}).get("aws:SecureTransport")
    values = condition if isinstance(condition, list) else [condition]
    return statement["Effect"] == "Deny" and [str(v).lower() for v in values] == ["false"]


def check(topic, view):
    policies = view.referencing(topic, "aws_sns_topic_policy", attribute="arn")
    sources = [p.get("policy") for p in policies] + ([topic.get("policy")] if topic.get("policy") else [])
    for source in sources:
        try:
            if any(_denies_insecure(s) for s in statements(source, view)):
                return ok("topic policy denies aws:SecureTransport=false")
        except PolicyUnreadable as error:
            return fail(f"topic policy cannot be analysed: {error}")
    return fail("no topic policy denies requests with aws:SecureTransport=false")


RULE = Rule(
    id="SNS-TLS-001",
    title="SNS topics accept only TLS",
    category="transport",
    severity="high",
    resource_types=("aws_sns_topic",),
    check=check,
    fix="add aws_sns_topic_policy with a Deny when Bool aws:SecureTransport = false",
)
