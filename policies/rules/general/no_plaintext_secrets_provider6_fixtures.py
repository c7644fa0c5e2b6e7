"""SEC-PLAIN-001 in AWS provider 6 form: `aws_instance.user_data` is kept in clear text in the state from provider 6
on (no longer hashed), and every resource takes a `region` argument, which is never a secret."""

from policies.fixtures import Form, doc

INSTANCE = "aws_instance.i"
UPGRADE = (
    "https://registry.terraform.io/providers/hashicorp/aws/latest/docs/guides/version-6-upgrade#resource-aws_instance"
)


def instance(**config):
    return doc({"aws_instance": {"i": {"ami": "ami-12345678", "instance_type": "t3.micro", **config}}})


FAIL = [
    Form(
        "a password in user_data (clear text in provider 6's state)",
        INSTANCE,
        instance(user_data="#!/bin/sh\nexport DB_PASSWORD=hunter2hunter2\n", region="eu-west-1"),
    ),
    Form(
        "an AWS secret key in user_data",
        INSTANCE,
        instance(user_data="#!/bin/sh\nexport AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"),
    ),
]
PASS = [
    Form(
        "user_data reads the secret at boot from Secrets Manager",
        INSTANCE,
        instance(
            user_data="#!/bin/sh\naws secretsmanager get-secret-value --secret-id iotsp/dev/db\n", region="eu-west-1"
        ),
        UPGRADE,
    ),
    Form("an instance in another region by its region argument", INSTANCE, instance(region="us-east-1")),
]
