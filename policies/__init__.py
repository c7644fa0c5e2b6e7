"""Policy as code: `Guardrails` (a cdktf Aspect), `suppress`, and the rulebook both engines share."""

from policies.aspect import Guardrails, guard
from policies.rulebook import all_rules
from policies.suppressions import SuppressionError, suppress

__all__ = ["Guardrails", "SuppressionError", "all_rules", "guard", "suppress"]
