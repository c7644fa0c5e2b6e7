"""IOT-TLS-001: an IoT domain configuration requires TLS 1.2 or later."""

from policies.model import Rule, block_of, fail, ok

TLS12_POLICIES = {
    "IoTSecurityPolicy_TLS13_1_2_2022_10",
    "IoTSecurityPolicy_TLS12_1_2_2022_10",
    "IoTSecurityPolicy_TLS13_1_3_2022_10",
}


def check(domain, view):
    policy = block_of(domain.get("tls_config")).get("security_policy")
    if policy in TLS12_POLICIES:
        return ok(f"TLS policy {policy}")
    return fail(f"TLS security policy {policy or '(default, allows TLS 1.0)'} allows versions below TLS 1.2")


RULE = Rule(
    id="IOT-TLS-001",
    title="IoT endpoints accept only TLS 1.2 or later",
    category="transport",
    severity="high",
    resource_types=("aws_iot_domain_configuration",),
    check=check,
    fix="set tls_config.security_policy = IoTSecurityPolicy_TLS13_1_2_2022_10",
)
