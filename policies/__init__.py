"""Policy as code: `Guardrails` (a cdktf Aspect), `guard`, `suppress`, and the rulebook both engines share.

The cdktf-facing names load on first use, so the gate and the Checkov adapter never start jsii.
"""

from typing import Any

__all__ = ["Guardrails", "SuppressionError", "all_rules", "guard", "suppress"]


def __getattr__(name: str) -> Any:
    if name in ("Guardrails", "guard"):
        from policies import aspect

        return getattr(aspect, name)
    if name in ("suppress", "SuppressionError"):
        from policies import suppressions

        return getattr(suppressions, name)
    if name == "all_rules":
        from policies.rulebook import all_rules

        return all_rules
    raise AttributeError(f"module 'policies' has no attribute {name!r}")
