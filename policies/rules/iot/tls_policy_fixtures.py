"""The forms that must fail IOT-TLS-001 and those that must pass it, AWS's documented form among them
(IoT endpoints accept only TLS 1.2 or later)."""

from policies.fixtures import Form, doc

S = "aws_iot_domain_configuration.d"


def domain(policy=None, **config):
    body = {"name": "d", **config}
    if policy is not None:
        body["tls_config"] = {"security_policy": policy}
    return doc({"aws_iot_domain_configuration": {"d": body}})


FAIL = [
    Form("no TLS config (default allows TLS 1.0)", S, domain()),
    Form("TLS 1.0 policy", S, domain("IoTSecurityPolicy_TLS13_1_0_2022_10")),
    Form("TLS 1.1 policy", S, domain("IoTSecurityPolicy_TLS13_1_1_2022_10")),
    Form("legacy 2018 policy", S, domain("IoTSecurityPolicy_TLS12_1_0_2016_01")),
    Form("policy from a variable", S, domain("${var.tls}")),
]
PASS = [
    Form(
        "TLS 1.2 and 1.3",
        S,
        domain("IoTSecurityPolicy_TLS13_1_2_2022_10"),
        "https://docs.aws.amazon.com/iot/latest/developerguide/transport-security.html",
    ),
    Form("TLS 1.3 only", S, domain("IoTSecurityPolicy_TLS13_1_3_2022_10")),
    Form("TLS 1.2 only", S, domain("IoTSecurityPolicy_TLS12_1_2_2022_10")),
]
