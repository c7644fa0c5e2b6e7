"""Turn a Terraform JSON fixture into real cdktf constructs, so the Guardrails Aspect runs on it at synth."""

from __future__ import annotations

from typing import Any

from cdktf import (
    App,
    TerraformDataSource,
    TerraformHclModule,
    TerraformOutput,
    TerraformProvider,
    TerraformResource,
    TerraformStack,
)

from infra.synth import SynthFailed, synth
from policies import guard
from policies.engine import Outcome


def build(document: dict[str, Any], outdir: str, name: str = "fixture") -> tuple[App, TerraformStack]:
    app = App(outdir=outdir)
    return app, add_stack(app, name, document)


def add_stack(app: App, name: str, document: dict[str, Any]) -> TerraformStack:
    stack = TerraformStack(app, name)
    for key, value in (document.get("//") or {}).get("guardrails", {}).items():  # stack metadata, e.g. stack_kind
        stack.add_override(f"//.guardrails.{key}", value)
    for config in (document.get("provider") or {}).get("aws", []):
        provider = TerraformProvider(stack, f"aws-{config.get('alias', 'default')}", terraform_resource_type="aws")
        for key, value in config.items():
            provider.add_override(key, value)
    for section, cls in (("resource", TerraformResource), ("data", TerraformDataSource)):
        for rtype, items in (document.get(section) or {}).items():
            for logical, config in items.items():
                element = cls(stack, f"{rtype}.{logical}", terraform_resource_type=rtype)
                element.override_logical_id(logical)
                for key, value in config.items():
                    if value is not None:
                        element.add_override(key, value)
    for name, block in (document.get("module") or {}).items():  # modules, as TerraformHclModule writes them
        inputs = {k: v for k, v in block.items() if k not in ("source", "version", "for_each", "count", "//")}
        relative = block["source"].startswith(("./", "../"))  # cdktf copies such a module only under its CLI
        module = TerraformHclModule(
            stack,
            name,
            source=block["source"],
            version=block.get("version"),
            variables=inputs or None,
            skip_asset_creation_from_local_modules=relative or None,
        )
        for key in ("for_each", "count"):
            if key in block:
                module.add_override(key, block[key])
    for name, config in (document.get("output") or {}).items():  # outputs, for rules that judge what they export
        output = TerraformOutput(stack, name, value="")
        output.override_logical_id(name)
        for key, value in config.items():
            output.add_override(key, value)
    return stack


def aspect_findings(
    document: dict[str, Any], outdir: str, profile: str, catalog: Any = None
) -> tuple[list[Outcome], SynthFailed | None]:
    """Synth the fixture with Guardrails; return the outcomes and the synth failure, if any."""
    app, stack = build(document, outdir)
    guardrails = guard(app, profile=profile, catalog=catalog)
    try:
        synth(app)
        failure = None
    except SynthFailed as error:
        failure = error
    return guardrails.findings.get(stack.node.id, []), failure
