"""The forms that must fail IOT-POL-001 and those that must pass it, AWS's documented form among them
(IoT device policies scope each device to itself)."""

from policies.fixtures import Form, as_json, as_jsonencode, doc, policy

ARN = "arn:aws:iot:eu-central-1:111122223333"
THING = "$${iot:Connection.Thing.ThingName}"
ATTACHED = {"Bool": {"iot:Connection.Thing.IsAttached": "true"}}
CONNECT = {"Effect": "Allow", "Action": "iot:Connect", "Resource": f"{ARN}:client/{THING}", "Condition": ATTACHED}
PUBLISH = {"Effect": "Allow", "Action": "iot:Publish", "Resource": f"{ARN}:topic/sensors/{THING}/telemetry"}
S = "aws_iot_policy.dev"


def device(*statements, written=as_json):
    return doc({"aws_iot_policy": {"dev": {"name": "dev", "policy": written(policy(*statements))}}})


FAIL = [
    Form("publish to topic/*", S, device(CONNECT, {**PUBLISH, "Resource": f"{ARN}:topic/*"})),
    Form("subscribe anywhere", S, device(CONNECT, {"Effect": "Allow", "Action": "iot:Subscribe", "Resource": "*"})),
    Form(
        "update any thing's shadow",
        S,
        device(CONNECT, {"Effect": "Allow", "Action": "iot:UpdateThingShadow", "Resource": f"{ARN}:thing/*"}),
    ),
    Form("connect as any client", S, device({**CONNECT, "Resource": f"{ARN}:client/*"}, written=as_jsonencode)),
    Form(
        "client/${ThingName}* lets sensor1 connect as sensor10",
        S,
        device({**CONNECT, "Resource": f"{ARN}:client/{THING}*"}),
    ),
    Form(
        "NotResource",
        S,
        device(CONNECT, {"Effect": "Allow", "Action": "iot:Publish", "NotResource": f"{ARN}:topic/admin"}),
    ),
    Form("iot:* action", S, device(CONNECT, {**PUBLISH, "Action": "iot:*"})),
    Form("connect without IsAttached", S, device({**CONNECT, "Condition": {}}, PUBLISH)),
    Form(
        "receive on a topic of all devices",
        S,
        device(CONNECT, {"Effect": "Allow", "Action": "iot:Receive", "Resource": f"{ARN}:topic/sensors/all"}),
    ),
]
PASS = [
    Form(
        "thing-name policy variables with IsAttached",
        S,
        device(CONNECT, PUBLISH),
        "https://docs.aws.amazon.com/iot/latest/developerguide/connect-and-pub.html",
    ),
    Form(
        "own shadow and own topic subtree (jsonencode)",
        S,
        device(
            CONNECT,
            {**PUBLISH, "Resource": f"{ARN}:topic/sensors/{THING}/*"},
            {
                "Effect": "Allow",
                "Action": ["iot:GetThingShadow", "iot:UpdateThingShadow"],
                "Resource": f"{ARN}:thing/{THING}",
            },
            written=as_jsonencode,
        ),
        "https://docs.aws.amazon.com/iot/latest/developerguide/thing-policy-variables.html",
    ),
    Form(
        "subscribe and receive on own topics",
        S,
        device(
            CONNECT,
            {"Effect": "Allow", "Action": "iot:Subscribe", "Resource": f"{ARN}:topicfilter/commands/{THING}"},
            {"Effect": "Allow", "Action": "iot:Receive", "Resource": f"{ARN}:topic/commands/{THING}"},
        ),
    ),
]
