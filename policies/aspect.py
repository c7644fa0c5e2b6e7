"""The Guardrails Aspect: runs the rulebook over every stack at synth and annotates the offending constructs."""

from __future__ import annotations

import jsii
from cdktf import Annotations, Aspects, IAspect, TerraformStack
from constructs import IConstruct, IValidation

from policies.engine import Finding, evaluate
from policies.model import PROFILES, StackView

ERROR_SEVERITIES = ("critical", "high")


@jsii.implements(IAspect)
class Guardrails:
    """`Aspects.of(app).add(Guardrails(profile="ephemeral"))`.

    Works on any cdktf stack. Rules run once per stack after every other Aspect has run (as a stack validation),
    over the stack's resolved Terraform JSON, so a rule sees exactly what Checkov and Terraform will see.
    Violations of critical/high rules are error annotations (synth fails); medium/low are warnings.
    """

    def __init__(self, profile: str = "ephemeral") -> None:
        if profile not in PROFILES:
            raise ValueError(f"Guardrails profile {profile!r}: expected one of {', '.join(PROFILES)}")
        self.profile = profile
        self.findings: dict[str, list[Finding]] = {}
        self.visited: set[str] = set()

    def visit(self, node: IConstruct) -> None:
        if TerraformStack.is_stack(node) and node.node.path not in self.visited:
            self.visited.add(node.node.path)
            node.node.add_validation(_StackValidation(self, node))

    def record(self, stack: TerraformStack) -> list[Finding]:
        view = StackView(stack.to_terraform(), stack.node.id)
        findings = evaluate(view, self.profile)
        self.findings[stack.node.id] = findings
        for finding in findings:
            if finding.status != "failed":
                continue
            target = _find(stack, finding.resource.construct_path) or stack
            if finding.rule.severity in ERROR_SEVERITIES:
                Annotations.of(target).add_error(finding.line())
            else:
                Annotations.of(target).add_warning(finding.line())
        return findings


@jsii.implements(IValidation)
class _StackValidation:
    def __init__(self, guardrails: Guardrails, stack: TerraformStack) -> None:
        self.guardrails = guardrails
        self.stack = stack

    def validate(self) -> list[str]:
        self.guardrails.record(self.stack)
        return []  # findings are annotations on their constructs, not one stack-level error


def _find(stack: TerraformStack, path: str) -> IConstruct | None:
    parts = path.split("/")
    if not parts or parts[0] != stack.node.id:
        return None
    node: IConstruct = stack
    for part in parts[1:]:
        child = node.node.try_find_child(part)
        if child is None:
            return node
        node = child
    return node


def guard(scope: IConstruct, profile: str = "ephemeral") -> Guardrails:
    """Attach Guardrails to a stack, or to every stack of an app.

    cdktf 0.21 invokes Aspects from each stack down (synthesizer.js: `invokeAspects(this.stack)`), so an Aspect
    added to the App itself never runs. For an app, `guard` adds Guardrails to each stack, plus an app validation
    that fails synth if a stack was created afterwards and so ran without them.
    """
    guardrails = Guardrails(profile)
    if TerraformStack.is_stack(scope):
        Aspects.of(scope).add(guardrails)
        return guardrails
    for stack in (c for c in scope.node.find_all() if TerraformStack.is_stack(c)):
        Aspects.of(stack).add(guardrails)
    scope.node.add_validation(_EveryStackGuarded(scope, guardrails))
    return guardrails


@jsii.implements(IValidation)
class _EveryStackGuarded:
    def __init__(self, app: IConstruct, guardrails: Guardrails) -> None:
        self.app = app
        self.guardrails = guardrails

    def validate(self) -> list[str]:
        stacks = [c.node.path for c in self.app.node.find_all() if TerraformStack.is_stack(c)]
        return [
            f"stack {path} ran without Guardrails: call guard(app) after every stack is created"
            for path in stacks
            if path not in self.guardrails.visited
        ]
