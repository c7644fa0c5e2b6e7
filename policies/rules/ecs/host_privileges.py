"""ECS-PRIV-001: ECS tasks get no host privileges: no container runs privileged, no task shares the host's process
namespace (AWS Security Hub ECS.4 and ECS.3)."""

from __future__ import annotations

import json
import re
from typing import Any

from policies.iam.documents import parse_hcl_expression
from policies.model import Replacement, Resource, Rule, StackView, Unreadable, Verdict, Violation, judged

_JSONENCODE = re.compile(r"^\$\{jsonencode\((?P<body>.*)\)\}$", re.DOTALL)


def containers(task: Resource) -> list[dict[str, Any]]:
    """The task's container definitions, read from the JSON text or the `${jsonencode(...)}` token cdktf writes;
    Unreadable when only Terraform can evaluate them."""
    value = task.get("container_definitions")
    if value is None or isinstance(value, list):
        return value or []
    text = value.strip() if isinstance(value, str) else ""
    match = _JSONENCODE.match(text)
    try:
        parsed = parse_hcl_expression(match.group("body")) if match else json.loads(text)
    except ValueError:  # not JSON, or a jsonencode body that is not an HCL expression
        parsed = None
    if not isinstance(parsed, list) or not all(isinstance(c, dict) for c in parsed):
        raise Unreadable(
            f"container_definitions is {text[:80]!r}, which only Terraform can evaluate: write it as JSON text or "
            "Fn.jsonencode of a list of literal container definitions, or suppress the rule on this construct with "
            "a reason"
        )
    return parsed


def check(task: Resource, view: StackView) -> Verdict:
    found = []
    if task.literal("pid_mode") == "host":
        found.append(Violation('the task shares the host\'s process namespace (pid_mode = "host")', ("pid_mode",)))
    for index, container in enumerate(containers(task)):
        if task.flag("privileged", container.get("privileged")):
            name = str(container.get("name") or f"#{index}")
            found.append(Violation(f"container {name} runs privileged (root on the host instance)", (name,)))
    return judged(found, "no privileged container, no host process namespace")


RULE = Rule(
    id="ECS-PRIV-001",
    title="ECS tasks get no host privileges",
    category="privilege",
    severity="high",
    resource_types=("aws_ecs_task_definition",),
    check=check,
    fix='remove "privileged": true from the container definitions and pid_mode = "host" from the task (grant the '
    "Linux capabilities a container needs in linuxParameters instead)",
    replaces=(
        Replacement(
            checks=("CKV_AWS_334", "CKV_AWS_335"),
            types=("aws_ecs_task_definition",),
            reason="Checkov cannot read container definitions written as JSON text (as Terraform JSON holds them) "
            "and looks for `privilege` and a per-container `pidMode`, which ECS does not define: it passes every "
            "privileged container and host process namespace; the rule reads `privileged` and the task's pid_mode",
        ),
    ),
)
