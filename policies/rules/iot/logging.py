"""IOT-LOG-001: where IoT topic rules exist, IoT Core logging is on in the same stack."""

from policies.model import Rule, fail, ok


def check(rule, view):
    options = view.resources("aws_iot_logging_options")
    if not options:
        return fail("the stack routes IoT messages but does not enable IoT Core logging")
    if options[0].get("disable_all_logs") is True or options[0].get("default_log_level") == "DISABLED":
        return fail("IoT Core logging is disabled")
    return ok(f"IoT Core logging at {options[0].get('default_log_level')}")


RULE = Rule(
    id="IOT-LOG-001",
    title="IoT Core logging is enabled",
    category="logging",
    severity="medium",
    resource_types=("aws_iot_topic_rule",),
    check=check,
    fix="add aws_iot_logging_options with default_log_level WARN (or INFO) and a logging role",
)
