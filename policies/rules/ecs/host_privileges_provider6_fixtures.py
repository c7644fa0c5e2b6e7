"""ECS-PRIV-001 in AWS provider 6 form: `inference_accelerator` is gone from aws_ecs_task_definition (Amazon Elastic
Inference reached end of life; a task asks for a GPU in its container's resourceRequirements instead), and a task
definition may sit in another region through its own `region` argument. Neither changes what the rule reads."""

from policies.fixtures import Form
from policies.rules.ecs.host_privileges_fixtures import SIDECAR, SUBJECT, WEB, task

UPGRADE = (
    "https://registry.terraform.io/providers/hashicorp/aws/latest/docs/guides/version-6-upgrade"
    "#resource-aws_ecs_task_definition"
)
GPU = {**WEB, "resourceRequirements": [{"type": "GPU", "value": "1"}]}
IRELAND = {"region": "eu-west-1"}

FAIL = [
    Form("privileged container in a task of another region", SUBJECT, task([{**WEB, "privileged": True}], **IRELAND)),
    Form(
        "privileged GPU container (what replaced an inference accelerator)",
        SUBJECT,
        task([{**GPU, "privileged": True}], requires_compatibilities=["EC2"]),
    ),
    Form(
        "host process namespace in a task of another region",
        SUBJECT,
        task([WEB, SIDECAR], pid_mode="host", requires_compatibilities=["EC2"], **IRELAND),
    ),
]
PASS = [
    Form(
        "a GPU container without host privileges, no inference_accelerator (removed in provider 6)",
        SUBJECT,
        task([GPU], requires_compatibilities=["EC2"]),
        UPGRADE,
    ),
    Form(
        "AWS's example web server on Fargate, in another region",
        SUBJECT,
        task([WEB], requires_compatibilities=["FARGATE"], network_mode="awsvpc", cpu="256", memory="512", **IRELAND),
    ),
]
