"""MOD-SRC-001: every module a stack calls is judged: its contents are on disk at synth (a local module), or the
module is named as not judged, so an auditor sees what was not looked at.

A registry, Git or S3 module is fetched by `terraform init`, after synth: neither engine can read it. It is a
finding of low severity: a warning in the ephemeral profile, a failure in production (whose threshold is low),
which is the strict setting for modules. A local module's resources are judged by every rule, under
`module.<name>.<type>.<name>` (policies/modules.py).
"""

from policies.model import Rule, fail, ok


def check(block, view):
    module = view.modules.get(block.name)
    if module is None:
        return fail("the module block cannot be read")
    return ok(f"contents judged ({module.source})") if module.judged else fail(module.why_not)


RULE = Rule(
    id="MOD-SRC-001",
    title="Modules a stack calls are judged",
    category="hardening",
    severity="low",
    resource_types=("module",),
    modes=("module",),
    check=check,
    fix="vendor the module as a local TerraformHclModule (its source copied beside the app), judge it where it is "
    "written, or suppress with the review that judged it",
)
