"""The forms that must fail ECS-PRIV-001 and those that must pass it, AWS's documented form among them
(ECS tasks get no host privileges)."""

import json

from policies.fixtures import Form, doc

SUBJECT = "aws_ecs_task_definition.t"
# The web server of AWS's example task definitions (Linux containers on Fargate), trimmed to what matters here.
WEB = {
    "name": "fargate-app",
    "image": "public.ecr.aws/docker/library/httpd:2.4",
    "essential": True,
    "portMappings": [{"containerPort": 80, "hostPort": 80, "protocol": "tcp"}],
}
SIDECAR = {"name": "log-router", "image": "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable"}


def task(definitions, **config):
    body = definitions if isinstance(definitions, str) else json.dumps(definitions)
    return doc({"aws_ecs_task_definition": {"t": {"family": "app", "container_definitions": body, **config}}})


FAIL = [
    Form("privileged container (JSON text)", SUBJECT, task([{**WEB, "privileged": True}])),
    Form(
        "privileged container (Fn.jsonencode)",
        SUBJECT,
        task('${jsonencode([{"name" = "app", "image" = "nginx", "privileged" = true}])}'),
    ),
    Form("privileged sidecar, second of two", SUBJECT, task([WEB, {**SIDECAR, "privileged": True}])),
    Form("host process namespace", SUBJECT, task([WEB], pid_mode="host", requires_compatibilities=["EC2"])),
    Form(
        "privileged from a variable",
        SUBJECT,
        task('${jsonencode([{"name" = "app", "image" = "nginx", "privileged" = var.privileged}])}'),
    ),
    Form("container definitions from a variable", SUBJECT, task("${var.containers}")),
]
PASS = [
    Form(
        "AWS's example web server on Fargate",
        SUBJECT,
        task([WEB], requires_compatibilities=["FARGATE"], network_mode="awsvpc", cpu="256", memory="512"),
        "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/example_task_definitions.html",
    ),
    Form("privileged false, written", SUBJECT, task([{**WEB, "privileged": False}, SIDECAR])),
    Form("the task's own process namespace", SUBJECT, task([WEB, SIDECAR], pid_mode="task")),
    Form(
        "Fn.jsonencode with a reference",
        SUBJECT,
        task('${jsonencode([{"name" = "app", "image" = aws_ecr_repository.r.repository_url, "essential" = true}])}'),
    ),
]
