"""The Guardrails Aspect: runs the rulebook and Checkov's built-ins over every stack at synth and annotates the
offending constructs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import jsii
from cdktf import Annotations, Aspects, IAspect, TerraformModule, TerraformStack
from constructs import IConstruct, IValidation

from policies.baseline import CONTEXT_KEY as BASELINE_CONTEXT
from policies.baseline import Baseline
from policies.baseline import load as load_baseline
from policies.catalog import Catalog, default_catalog
from policies.engine import Outcome, builtin_ids, judge_stack, preload
from policies.metadata import ACCOUNTS_CONTEXT, declare_accounts, declare_environment
from policies.model import StackView, crosses_stacks, views_of
from policies.modules import LOCAL
from policies.profiles import profile as profile_named
from policies.suppressions import EXPIRING


@jsii.implements(IAspect)
class Guardrails:
    """`Aspects.of(app).add(Guardrails(profile="ephemeral"))`.

    Works on any cdktf stack. The rules and the built-ins run once per stack after every other Aspect has run (as a
    stack validation), over the stack's resolved Terraform JSON, so they see exactly what Terraform will see; the
    built-ins are those `policies.engine.builtin_ids("synth", ...)` selects (docs/gate.md says which, and what
    fails). A failure is an error annotation on its construct (synth fails); a warning is a warning annotation.
    """

    def __init__(
        self, profile: str = "ephemeral", catalog: Catalog | None = None, baseline: Baseline | None = None, today=None
    ) -> None:
        self.profile = profile_named(profile)  # ValueError on an unknown profile, naming the valid ones
        self.baseline = baseline  # findings accepted as they stand (policies/baseline.py)
        self.today = today  # the day expiries are judged on (default: today, UTC)
        self.findings: dict[str, list[Outcome]] = {}
        self.visited: set[str] = set()
        self._documents: dict[str, dict] = {}  # stack -> its JSON, for stacks that cross
        self._catalog = catalog  # default: compliance/catalog.yaml, on first use

    @property
    def catalog(self) -> Catalog:
        if self._catalog is None:
            self._catalog = default_catalog()
        return self._catalog

    def _siblings(self, stack: TerraformStack, document: dict) -> dict[str, StackView]:
        """The app's other stacks, when this one reads or exports cdktf cross-stack references (each stack's JSON
        is built once per synth)."""
        if not crosses_stacks(document):
            return {}
        self._documents[stack.node.id] = document
        for other in (c for c in stack.node.scope.node.children if TerraformStack.is_stack(c)):
            if other.node.id not in self._documents:
                self._documents[other.node.id] = other.to_terraform()
        return views_of(self._documents)

    def visit(self, node: IConstruct) -> None:
        if TerraformStack.is_stack(node) and node.node.path not in self.visited:
            self.visited.add(node.node.path)
            node.node.add_validation(_StackValidation(self, node))

    def record(self, stack: TerraformStack) -> list[Outcome]:
        from policies import builtins

        document = stack.to_terraform()
        view = StackView(
            document,
            stack.node.id,
            self._siblings(stack, document),
            module_sources=_modules(stack),
            baseline=self.baseline,
            today=self.today,
        )
        judged = view.judged_document  # with the resources of its local modules
        try:
            results = builtins.run(judged, builtin_ids("synth", self.profile, self.catalog))
        except builtins.BuiltinError as error:
            Annotations.of(stack).add_error(f"GATE [critical] {stack.node.path}: {error}; the stack cannot be judged")
            results = []
        if builtins.note(judged):
            Annotations.of(stack).add_warning(f"NOTE {stack.node.path}: {builtins.note(judged)}")
        outcomes = judge_stack(view, results, self.profile, self.catalog)
        self.findings[stack.node.id] = outcomes
        for outcome in outcomes:
            if not outcome.problem and EXPIRING not in outcome.reason:
                continue
            target = _find(stack, outcome.construct_path) or stack
            if outcome.status == "failed":
                Annotations.of(target).add_error(outcome.line())
            else:
                Annotations.of(target).add_warning(outcome.line())
        return outcomes


@jsii.implements(IValidation)
class _StackValidation:
    def __init__(self, guardrails: Guardrails, stack: TerraformStack) -> None:
        self.guardrails = guardrails
        self.stack = stack

    def validate(self) -> list[str]:
        self.guardrails.record(self.stack)
        return []  # findings are annotations on their constructs, not one stack-level error


def _modules(stack: TerraformStack) -> dict[str, Path]:
    """The folders of the stack's local module constructs, by the name their block has (before cdktf copies them
    into the stack's assets at synth)."""
    return {
        c.friendly_unique_id: Path(c.source).resolve()
        for c in stack.node.find_all()
        if isinstance(c, TerraformModule) and LOCAL.match(str(c.source))
    }


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


def guard(
    scope: IConstruct,
    profile: str = "ephemeral",
    catalog: Catalog | None = None,
    accounts: Sequence[str] | None = None,
    baseline: str | None = None,
    environment: str | None = None,
    today: date | None = None,
) -> Guardrails:
    """Attach Guardrails to a stack, or to every stack of an app.

    `accounts`: the AWS accounts that are the stacks' own (default: the cdktf context key guardrailsAccounts), written
    into each stack's "//".guardrails metadata where both engines read them: a literal account id in a policy is
    another account unless declared. `baseline`: the file of findings accepted as they stand (default: the cdktf
    context key guardrailsBaseline); synth then fails only on what is new. `environment`: the stacks' environment
    suffix, which the baseline leaves out of names. `today`: the day expiries are judged on (tests).

    cdktf 0.21 invokes Aspects from each stack down (synthesizer.js: `invokeAspects(this.stack)`), so an Aspect
    added to the App itself never runs. For an app, `guard` adds Guardrails to each stack, plus an app validation
    that fails synth if a stack was created afterwards and so ran without them.
    """
    baseline = baseline or scope.node.try_get_context(BASELINE_CONTEXT)
    guardrails = Guardrails(profile, catalog, load_baseline(baseline) if baseline else None, today)
    preload()
    if accounts is None:
        accounts = scope.node.try_get_context(ACCOUNTS_CONTEXT)
    stacks = (
        [scope] if TerraformStack.is_stack(scope) else [c for c in scope.node.find_all() if TerraformStack.is_stack(c)]
    )
    for stack in stacks:
        if accounts:
            declare_accounts(stack, list(accounts))
        if environment:
            declare_environment(stack, environment)
        Aspects.of(stack).add(guardrails)
    if not TerraformStack.is_stack(scope):
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
