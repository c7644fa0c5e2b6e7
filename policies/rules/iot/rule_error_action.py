"""IOT-ERR-001: an IoT topic rule has an error action, so failed deliveries are kept, not dropped."""

from policies.model import Rule, block_of, fail, ok


def check(rule, view):
    action = block_of(rule.get("error_action"))
    if any(action.get(kind) for kind in action):
        return ok("error action set")
    return fail("topic rule has no error action: messages that fail delivery are lost")


RULE = Rule(
    id="IOT-ERR-001",
    title="IoT topic rules keep failed messages",
    category="logging",
    severity="high",
    resource_types=("aws_iot_topic_rule",),
    check=check,
    fix="add error_action (s3 quarantine bucket or cloudwatch_logs)",
)
