"""IOT-POL-001: an IoT device policy binds each device to its own client id, topics and shadow.

A device may connect only as `client/${iot:Connection.Thing.ThingName}` with `iot:Connection.Thing.IsAttached`
true (AWS IoT Developer Guide, "Connect and publish policy examples",
https://docs.aws.amazon.com/iot/latest/developerguide/connect-and-pub.html), and publish, subscribe, receive or
touch shadows only under resources that carry its thing name with no wildcard before it or glued to it
(`client/${iot:Connection.Thing.ThingName}*` lets sensor1 connect as sensor10). No iot:* or other wildcard
action, no NotAction, no NotResource, no resource wider than one parent.
"""

from policies.iam import arns
from policies.iam.grants import allowed_actions
from policies.iam.sources import read
from policies.model import Rule, Violation, judged

THING = "${iot:connection.thing.thingname}"
SCOPED = {"iot:connect", "iot:publish", "iot:subscribe", "iot:receive", "iot:retainpublish"}
SHADOW = ("iot:getthingshadow", "iot:updatethingshadow", "iot:deletethingshadow", "iot:listnamedshadowsforthing")


def _bound(resource):
    text = resource.lower()
    at = text.find(THING)
    if at < 0:
        return False
    before, after = text[:at], text[at + len(THING) :]
    return not arns.has_wildcard(before) and (after == "" or after.startswith("/"))


def check(policy, view):
    found = read([("IoT policy", policy.get("policy"))], view)
    violations = found.failures()
    for s in found.statements:
        if not s.allows:
            continue
        names = (*s.actions, *s.not_actions, *s.resources, *s.not_resources)
        if s.not_actions or s.not_resources:
            violations.append(
                Violation(f"{s.label} uses NotAction/NotResource: it allows what it does not name", names)
            )
            continue
        wild = [a for a in s.actions if arns.has_wildcard(a)]
        if wild:
            violations.append(Violation(f"{s.label} allows {', '.join(wild)}", names))
        keys = {a.key for a in allowed_actions(s)[0]}
        iot_formats = arns.formats_for_service("iot")
        wide = [r for r in s.resources if not _bound(r) and arns.is_wide(r, iot_formats)]
        if wide:
            violations.append(
                Violation(f"{s.label} allows {', '.join(wide)} (more than one device's resources)", names)
            )
        for action in sorted(keys & (SCOPED | set(SHADOW))):
            unbound = [r for r in s.resources if not _bound(r)]
            if unbound:
                violations.append(
                    Violation(
                        f"{s.label} lets a device use {action} on {', '.join(unbound)}, which "
                        "is not bound to its own thing name",
                        names,
                    )
                )
        if "iot:connect" in keys and not any(
            c.key == "iot:connection.thing.isattached" and c.base_operator == "bool" and c.values == ("true",)
            for c in s.conditions
        ):
            violations.append(
                Violation(f"{s.label} lets a certificate connect without iot:Connection.Thing.IsAttached = true", names)
            )
    return judged(violations, "devices are bound to their own client id, topics and shadow")


RULE = Rule(
    id="IOT-POL-001",
    title="IoT device policies scope each device to itself",
    category="privilege",
    severity="critical",
    resource_types=("aws_iot_policy",),
    check=check,
    fix="connect as client/${iot:Connection.Thing.ThingName} with iot:Connection.Thing.IsAttached; topics and shadow "
    "under .../${iot:Connection.Thing.ThingName}/...; no iot:*, no * resources",
)
