"""TAG-REQ-001: every taggable resource carries the required tags, counting its own provider's default_tags
(an aliased provider's, for a resource that uses one). Tags computed from expressions (`${merge(...)}`) fail.

Taggable: every AWS resource type whose configuration takes `tags` in the provider major the stack pins, derived
from the provider bindings (policies/provider_tables.py; 747 types in provider 5.100.0, 859 in 6.69.1).
"""

from policies.lookups import effective_tags
from policies.model import Rule, Violation, judged
from policies.provider_tables import every_taggable_type

REQUIRED_TAGS = ("Environment", "Project", "Owner", "CostCenter", "DataClassification")
TAGGABLE = tuple(sorted(every_taggable_type()))  # taggable in some major; each stack is judged in its own


def check(resource, view):
    if resource.type not in view.provider.taggable:
        return None  # takes no tags in the provider this stack pins
    tags, unreadable = effective_tags(resource, view)
    violations = [
        Violation(f"{what}, which only Terraform can evaluate; write the tags as literals (or references)")
        for what in unreadable
    ]
    missing = [t for t in REQUIRED_TAGS if not str(tags.get(t, "")).strip()]
    if missing:
        violations.append(Violation("missing required tags: " + ", ".join(missing), tuple(missing)))
    return judged(violations, "all required tags present")


RULE = Rule(
    id="TAG-REQ-001",
    title="Resources carry the required tags",
    category="tagging",
    severity="high",
    resource_types=TAGGABLE,
    check=check,
    fix="set " + ", ".join(REQUIRED_TAGS) + " in the provider's default_tags (or on the resource)",
)
