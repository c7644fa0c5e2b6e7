"""The forms that must fail GLUE-ENC-002 and those that must pass it, AWS's documented form among them
(Glue jobs run with a security configuration)."""

from policies.fixtures import Form, doc

S = "aws_glue_job.j"


def job(**config):
    return doc({"aws_glue_job": {"j": {"name": "j", "role_arn": "r", **config}}})


FAIL = [
    Form("no security configuration", S, job()),
    Form("empty string", S, job(security_configuration="")),
    Form("from a variable", S, job(security_configuration="${var.sc}")),
    Form("null", S, job(security_configuration=None)),
    Form("streaming job without one", S, job(command={"name": "gluestreaming", "script_location": "s3://x/y.py"})),
]
PASS = [
    Form(
        "reference to a security configuration",
        S,
        job(security_configuration="${aws_glue_security_configuration.sc.name}"),
        "https://docs.aws.amazon.com/glue/latest/dg/encryption-security-configuration.html",
    ),
    Form("literal name", S, job(security_configuration="sc")),
    Form("streaming job with one", S, job(command={"name": "gluestreaming"}, security_configuration="sc")),
]
