"""SNS-TLS-001: a topic policy denies every principal sns:Publish on the topic without TLS.

AWS's recommended statement (SNS Developer Guide, "Enforce encryption of data in transit",
https://docs.aws.amazon.com/sns/latest/dg/sns-security-best-practices.html#enforce-encryption-data-in-transit):
Deny, Principal "*", Action "SNS:Publish", Resource the topic, Condition Bool aws:SecureTransport false. It denies
Publish (the data the topic carries), so that is what the rule requires; a Deny on another action alone fails.
"""

from policies.iam.catalog import catalog
from policies.iam.sources import read
from policies.iam.transport import denies_insecure
from policies.model import Rule, Violation, is_reference, judged


def check(topic, view):
    policies = view.referencing(topic, "aws_sns_topic_policy", attribute="arn")
    sources = [(f"topic policy {p.address}", p.get("policy")) for p in policies]
    if topic.get("policy"):
        sources.append(("inline topic policy", topic.get("policy")))
    if not sources:
        return judged([Violation("no topic policy denies requests with aws:SecureTransport=false")], "")
    found = read(sources, view)
    if found.unreadable:
        return judged(found.failures(), "")
    written = topic.literal("name")  # a name from a variable: the topic's ARN cannot be matched, so say so
    name = written if isinstance(written, str) and not is_reference(written) else "TOPIC"
    arn = f"arn:aws:sns:REGION:ACCOUNT:{name}"
    ref = f"aws_sns_topic.{topic.name}"
    aliases = {f"${{{ref}.arn}}": arn, f"${{{ref}.id}}": arn}
    publish = (catalog().get("sns:Publish"),)
    reasons = [denies_insecure(s, publish, [arn], aliases) for s in found.statements]
    if "" in reasons:
        return judged([], "topic policy denies sns:Publish without TLS")
    best = next((r for r in reasons if r != "not a Deny"), "has no Deny statement")
    return judged([Violation(f"topic policy is not TLS-only: its closest Deny {best}")], "")


RULE = Rule(
    id="SNS-TLS-001",
    title="SNS topics accept only TLS",
    category="transport",
    severity="high",
    resource_types=("aws_sns_topic",),
    check=check,
    fix="add aws_sns_topic_policy: Deny sns:Publish to Principal * on the topic when Bool aws:SecureTransport = false",
)
