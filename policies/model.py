"""The rule model: a resource as Terraform JSON, a view of its whole stack, a rule and its verdict."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from policies.metadata import suppressions

SEVERITIES = ("critical", "high", "medium", "low")
# Every report groups findings by these; a Checkov built-in is shown under the one that says what it checks.
CATEGORIES = ("encryption", "transport", "privilege", "tagging", "logging", "secrets", "resilience", "hardening")
MIN_REASON = 10  # characters of a suppression's or a waiver's reason
REFERENCE = re.compile(r"\$\{(data\.)?([a-z0-9_]+)\.([A-Za-z0-9_-]+)(?:\.([A-Za-z0-9_.\[\]]+))?\}")
ANY_REFERENCE = re.compile(r"(?<!\$)\$\{")
# cdktf's cross-stack reference: the consumer reads the producer stack's output through remote state
CROSS_STACK = re.compile(
    r"\$\{data\.terraform_remote_state\.cross-stack-reference-input-(?P<stack>[A-Za-z0-9_-]+)\.outputs\."
    r"(?P<output>[A-Za-z0-9_-]+)\}"
)
REMOTE_STATE = "terraform_remote_state"


class Unreadable(ValueError):
    """A value a rule must judge cannot be read (a token only Terraform can evaluate, a dynamic block built from a
    variable): the rule fails the resource with this message, which says what and how to make it readable."""


class DynamicBlock(dict):
    """A block built by a `dynamic` block whose content cannot be read: any rule that reads it fails the resource
    with this block's message (never "has no such block")."""

    def __init__(self, block: str, for_each: Any, content: Any = None) -> None:
        super().__init__()
        self.content = content if content is not None else {}  # the template as written (text scans read it)
        self.why = (
            f"{block} is built with a dynamic block whose content cannot be read (its for_each is {for_each!r}, and "
            "the content reads the iterator's value): write the blocks out, or give for_each a literal list or map"
        )

    def _refuse(self, *_: Any, **__: Any) -> Any:
        raise Unreadable(self.why)

    get = __getitem__ = __contains__ = __iter__ = keys = values = items = _refuse

    def __bool__(self) -> bool:
        return True

    def __len__(self) -> int:
        return 1


@dataclass(frozen=True)
class Resource:
    """One resource (or data source) as the rules read it: its configuration with references through `count`,
    `for_each` and `dynamic` blocks followed (policies/iteration.py)."""

    type: str
    name: str
    config: dict[str, Any]
    mode: str = "resource"  # or "data", or "module" (a module block: type "module")
    instances: tuple[str, ...] = ()  # the instance keys of a literal count or for_each
    module: str = ""  # the local module it belongs to (its name in the view is `<module>__<name>`)

    @property
    def address(self) -> str:
        if self.mode == "module":
            return f"module.{self.name}"
        name = self.name.removeprefix(f"{self.module}__") if self.module else self.name
        local = f"{self.type}.{name}" if self.mode == "resource" else f"data.{self.type}.{name}"
        return f"module.{self.module}.{local}" if self.module else local

    @property
    def construct_path(self) -> str:
        meta = self.config.get("//", {})
        return meta.get("metadata", {}).get("path", "") if isinstance(meta, dict) else ""

    def get(self, key: str, default: Any = None) -> Any:
        return self.config.get(key, default)

    def block(self, key: str) -> dict[str, Any]:
        """A nested block, whether Terraform JSON writes it as an object or a one-element list."""
        value = self.config.get(key)
        if isinstance(value, list):
            value = value[0] if value else None
        return value if isinstance(value, dict) else {}

    def flag(self, key: str, value: Any = None) -> bool | None:
        """A boolean argument (this resource's `key`, or `value` read from it); None when unset. Unreadable when
        it is a token only Terraform can evaluate: a rule never reads a variable as false."""
        value = self.config.get(key) if value is None else value
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise Unreadable(
            f"{key} is {value!r}, which only Terraform can evaluate: write true or false in the stack (or read it "
            "from the config the stack is built from), or suppress the rule on this construct with a reason"
        )

    def literal(self, key: str) -> Any:
        """An argument whose value the rule compares as written (a name, a list of names): Unreadable when any part
        of it is a token only Terraform can evaluate (references to resources are readable)."""
        value = self.config.get(key)
        if _has_opaque(value):
            raise Unreadable(
                f"{key} is {value!r}, which only Terraform can evaluate: write it literally in the stack (or read it "
                "from the config the stack is built from), or suppress the rule on this construct with a reason"
            )
        return value

    def number(self, key: str, value: Any = None) -> float | None:
        """A numeric argument (this resource's `key`, or `value` read from it) as a number; None when unset.
        Unreadable when it is a token only Terraform can evaluate (a variable, a lookup): never a guess."""
        value = self.config.get(key) if value is None else value
        if value is None or isinstance(value, bool):
            return None if value is None else float(value)
        if isinstance(value, int | float):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                pass
        raise Unreadable(
            f"{key} is {value!r}, which only Terraform can evaluate: write the number in the stack (or read it "
            "from the config the stack is built from), or suppress the rule on this construct with a reason"
        )


def block_of(value: Any) -> dict[str, Any]:
    if isinstance(value, list):
        value = value[0] if value else None
    return value if isinstance(value, dict) else {}


def blocks_of(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, dict):
        return [value]
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


class StackView:
    """A synthesized stack (cdk.tf.json as a dict) with look-ups that follow references."""

    def __init__(
        self,
        document: dict[str, Any],
        stack: str = "",
        siblings: dict[str, StackView] | None = None,
        folder: Any = None,
        module_sources: dict[str, Any] | None = None,
        accounts: Any = (),
        baseline: Any = None,
        today: Any = None,
    ) -> None:
        from policies import iteration, metadata, modules

        self.document = document
        # The AWS accounts that are the stack's own: declared in its metadata, passed in (the gate's --account-id),
        # and its AWS provider's allowed_account_ids
        self.accounts = metadata.accounts(document) | set(accounts) | _allowed_accounts(document)
        # What the stack is judged with besides itself: the baseline of accepted findings, and the day (expiries)
        self.baseline = baseline
        self.today = today or datetime.now(UTC).date()
        # Local modules read from `folder` (the stack's folder) or the module constructs' folders
        self.modules = modules.load(document, folder, module_sources) if document.get("module") else {}
        merged = _with_modules(document, self.modules)
        self.stack = stack or document.get("//", {}).get("metadata", {}).get("stackName", "")
        # The other stacks of the same synth, by name (shared: each holds this view too): cdktf's cross-stack
        # references read their outputs through remote state (views_of builds them).
        self.siblings: dict[str, StackView] = siblings if siblings is not None else {}
        self._resources: dict[tuple[str, str, str], Resource] = {}
        self._prefixes: dict[str, re.Pattern[str]] = {}
        self._texts: dict[int, str] = {}
        found = [
            (mode, rtype, name, config)
            for mode, section in (("resource", "resource"), ("data", "data"))
            for rtype, items in (merged.get(section) or {}).items()
            for name, config in (items or {}).items()
            if isinstance(config, dict)
        ]
        known = {f"{rtype}.{name}" if mode == "resource" else f"data.{rtype}.{name}" for mode, rtype, name, _ in found}
        # What Checkov judges: the stack with the judged modules' resources in it, references through iteration
        # followed and the dynamic blocks that can be written out written out, as the rules read them.
        self.judged_document = {**merged}
        for section in ("resource", "data"):
            if isinstance(merged.get(section), dict):
                self.judged_document[section] = {
                    rtype: {
                        name: iteration.written(config, known) if isinstance(config, dict) else config
                        for name, config in items.items()
                    }
                    if isinstance(items, dict)
                    else items
                    for rtype, items in merged[section].items()
                }
        owner = {f"{m}__": m for m, module in self.modules.items() if module.judged}
        for mode, rtype, name, config in found:
            read = iteration.read(config, known)
            module = next((m for prefix, m in owner.items() if name.startswith(prefix)), "")
            self._resources[(mode, rtype, name)] = Resource(
                rtype, name, read, mode, iteration.instances(config), module
            )
        for name, block in (document.get("module") or {}).items():
            if isinstance(block, dict):
                self._resources[("module", "module", name)] = Resource("module", name, block, "module")

    def __iter__(self) -> Iterator[Resource]:
        return iter(self._resources.values())

    def resources(self, *types: str, mode: str = "resource") -> list[Resource]:
        return [r for r in self._resources.values() if r.mode == mode and (not types or r.type in types)]

    def get(self, rtype: str, name: str, mode: str = "resource") -> Resource | None:
        return self._resources.get((mode, rtype, name))

    def resolve(self, value: Any) -> Resource | None:
        """The resource a `${type.name.attr}` reference points at (or None for literals); through a cdktf
        cross-stack reference, the resource of the sibling stack whose output it reads."""
        if not isinstance(value, str):
            return None
        crossing = CROSS_STACK.search(value)
        if crossing:
            producer = self.siblings.get(crossing.group("stack"))
            output = (producer.document.get("output") or {}).get(crossing.group("output")) if producer else None
            if isinstance(output, dict):
                return producer.resolve(output.get("value"))
        match = REFERENCE.search(value)
        if not match:
            return None
        mode = "data" if match.group(1) else "resource"
        return self.get(match.group(2), match.group(3), mode)

    def views(self) -> list[StackView]:
        """This stack, then the other stacks of the same synth."""
        return [self, *(v for name, v in sorted(self.siblings.items()) if v is not self)]

    def references(self, value: Any, target: Resource) -> bool:
        """Does `value` (any JSON, or a resource: its whole configuration) reference `target` anywhere?"""
        prefix = f"data.{target.type}.{target.name}" if target.mode == "data" else f"{target.type}.{target.name}"
        if prefix not in self._prefixes:
            self._prefixes[prefix] = re.compile(r"(?<![\w.])" + re.escape(prefix) + r"(?![\w-])")
        if isinstance(value, Resource):  # its text is built once per view
            if id(value) not in self._texts:
                self._texts[id(value)] = _flatten(value.config)
            text = self._texts[id(value)]
        else:
            text = _flatten(value)
        return bool(self._prefixes[prefix].search(text))

    def referencing(self, target: Resource, *types: str, attribute: str | None = None) -> list[Resource]:
        """Resources of `types` whose `attribute` (or any attribute) references `target`."""
        found = []
        for resource in self.resources(*types):
            value = resource.config.get(attribute) if attribute else resource
            if value is not None and self.references(value, target):
                found.append(resource)
        return found

    @property
    def default_tags(self) -> dict[str, Any]:
        """The default (unaliased) AWS provider's default_tags."""
        return self.provider_default_tags(None)

    def provider_default_tags(self, alias: str | None) -> Any:
        """default_tags of the AWS provider with this alias (None: the default provider); a dict, or the
        expression string when the tags are computed (`${merge(...)}`), which no rule can read."""
        tags: dict[str, Any] = {}
        providers = (self.document.get("provider") or {}).get("aws") or []
        for provider in providers if isinstance(providers, list) else [providers]:
            if isinstance(provider, dict) and provider.get("alias") == alias:
                for block in blocks_of(provider.get("default_tags")):
                    value = block.get("tags") or {}
                    if not isinstance(value, dict):
                        return value
                    tags.update(value)
        return tags

    @property
    def suppressions(self) -> list[dict[str, Any]]:
        return suppressions(self.document)


def _allowed_accounts(document: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    providers = (document.get("provider") or {}).get("aws") or []
    for provider in providers if isinstance(providers, list) else [providers]:
        if isinstance(provider, dict) and isinstance(provider.get("allowed_account_ids"), list):
            found.update(str(a) for a in provider["allowed_account_ids"])
    return found


def _with_modules(document: dict[str, Any], modules: dict[str, Any]) -> dict[str, Any]:
    judged = [m for m in modules.values() if m.judged]
    if not judged:
        return document
    merged = {**document}
    for module in judged:
        for section, types in module.document.items():
            merged[section] = {**(merged.get(section) or {})}
            for rtype, items in types.items():
                merged[section][rtype] = {**merged[section].get(rtype, {}), **items}
    return merged


def views_of(
    documents: dict[str, dict[str, Any]], folders: dict[str, Any] | None = None, **judged_with: Any
) -> dict[str, StackView]:
    """The stacks of one synth as views that see each other (cross-stack references, access-log targets);
    `judged_with`: accounts, baseline, today, as StackView takes them."""
    shared: dict[str, StackView] = {}
    for name, document in documents.items():
        shared[name] = StackView(document, name, shared, (folders or {}).get(name), **judged_with)
    return shared


def crosses_stacks(document: dict[str, Any]) -> bool:
    """Does the stack read another stack's output, or export one, through cdktf's cross-stack references?"""
    reads = any(
        n.startswith("cross-stack-reference-input-") for n in (document.get("data") or {}).get(REMOTE_STATE, {})
    )
    return reads or any(n.startswith("cross-stack-output-") for n in (document.get("output") or {}))


def text_of(value: Any) -> str:
    """Every key and string of a configuration as one text (a dynamic block no rule can read: its template's)."""
    return _flatten(value)


def _flatten(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, DynamicBlock):
        return _flatten(value.content)
    if isinstance(value, dict):
        return " ".join(f"{k} {_flatten(v)}" for k, v in value.items() if k != "//")
    if isinstance(value, list):
        return " ".join(_flatten(v) for v in value)
    return str(value)


@dataclass(frozen=True)
class Violation:
    """One thing wrong with a resource. `names` are the actions and ARNs of the offending statement (or the
    setting at fault): what a suppression's `applies_to` is matched against, exactly and case-insensitively."""

    message: str
    names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Verdict:
    """A rule's answer on one resource: passed, failed (with every violation), or waived (passed by the documented
    exception the rule itself knows, with the reason)."""

    passed: bool
    message: str
    details: tuple[str, ...] = ()
    violations: tuple[Violation, ...] = ()
    waiver: str = ""  # the reason a documented exception applies, recorded in every report

    def __post_init__(self) -> None:
        if not self.passed and not self.violations:
            object.__setattr__(self, "violations", (Violation(self.message),))


def ok(message: str = "compliant") -> Verdict:
    return Verdict(True, message)


def waived(reason: str) -> Verdict:
    """The resource is the exception AWS documents (the access-log target bucket, ...): not a failure, reported as
    waived with the reason."""
    return Verdict(True, reason, waiver=reason)


def fail(message: str, *details: str) -> Verdict:
    return Verdict(False, message, details)


def judged(violations: list[Violation], passed_message: str) -> Verdict:
    """Every violation found (a rule never stops at the first), or a pass."""
    if not violations:
        return ok(passed_message)
    return Verdict(False, "; ".join(v.message for v in violations), violations=tuple(violations))


Check = Callable[[Resource, StackView], "Verdict | None"]


@dataclass(frozen=True)
class Replacement:
    """Checkov built-ins that read these resource types wrongly, where the rule declaring this judges them right:
    their failures there are waived with the reason (replaced by the rule)."""

    checks: tuple[str, ...]
    types: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class Rule:
    """One guardrail. `check` answers a Verdict, or None when the resource is out of its scope.

    A rule declares its relation to Checkov's built-ins here, and nowhere else: `covers` are the built-ins whose
    failure on a resource implies this rule's failure there (they test the same property, never more; folded into
    this rule's finding as "also" and sharing its status); `replaces` are built-ins this rule judges instead of them
    on some resource types."""

    id: str
    title: str
    category: str
    severity: str
    resource_types: tuple[str, ...]
    check: Check
    fix: str
    covers: tuple[str, ...] = ()
    replaces: tuple[Replacement, ...] = ()
    profiles: tuple[str, ...] = ()  # the profiles it judges (policies/profiles.py); empty: every profile
    modes: tuple[str, ...] = ("resource",)
    description: str = field(default="")

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[A-Z0-9]{2,5}-[A-Z0-9]{2,6}-\d{3}", self.id):
            raise ValueError(f"rule id {self.id!r} must look like IOT-ENC-001")
        if self.category not in CATEGORIES:
            raise ValueError(f"rule {self.id}: category {self.category!r} not in {CATEGORIES}")
        if self.severity not in SEVERITIES:
            raise ValueError(f"rule {self.id}: severity {self.severity!r} not in {SEVERITIES}")
        for replacement in self.replaces:
            if len(" ".join(replacement.reason.split())) < MIN_REASON or not replacement.types:
                raise ValueError(f"rule {self.id}: a replacement needs resource types and a reason")
        object.__setattr__(self, "_types", frozenset(self.resource_types))  # 714 taggable types: a set, not a scan

    def applies(self, resource: Resource, profile: str) -> bool:
        types = self._types  # type: ignore[attr-defined]
        in_profile = not self.profiles or profile in self.profiles
        return in_profile and resource.mode in self.modes and ("*" in types or resource.type in types)

    def evaluate(self, resource: Resource, view: StackView, profile: str) -> Verdict | None:
        if not self.applies(resource, profile):
            return None
        return self.check(resource, view)


def is_reference(value: Any) -> bool:
    return isinstance(value, str) and bool(ANY_REFERENCE.search(value))


OPAQUE = re.compile(r"\$\{\s*(var|local|module|each|count|path|terraform)\.|\$\{[^}]*\(")


def _has_opaque(value: Any) -> bool:
    if isinstance(value, list):
        return any(_has_opaque(v) for v in value)
    if isinstance(value, dict):
        return any(_has_opaque(v) for k, v in value.items() if k != "//")
    return is_opaque(value)


def is_opaque(value: Any) -> bool:
    """A value only Terraform can evaluate from inputs the stack does not show (a variable, a function call)."""
    return isinstance(value, str) and bool(OPAQUE.search(value))


def provider_alias(resource: Resource) -> str | None:
    """The alias of the AWS provider a resource uses ("aws.replica" -> "replica"), None for the default."""
    provider = resource.get("provider")
    if isinstance(provider, str) and provider.startswith("aws."):
        return provider[4:]
    return None
