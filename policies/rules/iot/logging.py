"""IOT-LOG-001: where IoT topic rules exist, IoT Core logging is on in the same stack."""

from policies.model import Rule, fail, ok

LEVELS = ("ERROR", "WARN", "INFO", "DEBUG")


def check(rule, view):
    options = view.resources("aws_iot_logging_options")
    if not options:
        return fail("the stack routes IoT messages but does not enable IoT Core logging")
    level = options[0].get("default_log_level")
    if options[0].get("disable_all_logs") not in (None, False) or level not in LEVELS:
        return fail(
            f"IoT Core logging is off (default_log_level {level!r}, disable_all_logs "
            f"{options[0].get('disable_all_logs')!r})"
        )
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
