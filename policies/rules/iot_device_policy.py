"""IOT-POL-001: an IoT policy binds each device to its own client id and topics (no iot:*, no "*" resource)."""

from policies.iam import PolicyUnreadable, statements
from policies.model import Rule, fail, ok

THING_VARIABLE = "iot:Connection.Thing.ThingName"


def check(policy, view):
    try:
        found = statements(policy.get("policy"), view)
    except PolicyUnreadable as error:
        return fail(f"IoT policy cannot be analysed: {error}")
    for s in (s for s in found if s["Effect"] == "Allow"):
        label = s["Sid"] or "(no Sid)"
        if any(a in ("*", "iot:*") for a in s["Action"]):
            return fail(f"statement {label} allows iot:*")
        if any(r == "*" or r.endswith(":*") for r in s["Resource"]):
            return fail(f"statement {label} allows every IoT resource")
        if "iot:Connect" in s["Action"] and not all(THING_VARIABLE in r for r in s["Resource"]):
            return fail(f"statement {label} lets a device connect with another client id than its thing name")
        if any(a in ("iot:Publish", "iot:Subscribe", "iot:Receive") for a in s["Action"]) and not all(
            THING_VARIABLE in r for r in s["Resource"]
        ):
            return fail(f"statement {label} lets a device use topics that are not its own")
    return ok("devices are bound to their own client id and topics")


RULE = Rule(
    id="IOT-POL-001",
    title="IoT device policies scope each device to itself",
    category="privilege",
    severity="critical",
    resource_types=("aws_iot_policy",),
    check=check,
    fix="use ${iot:Connection.Thing.ThingName} in client/ and topic/ resources; no iot:* and no * resources",
)
