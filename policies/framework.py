"""The CDK framework an app is built on, cdktf 0.21 (the default) or CDK Terrain (cdktn): the one module of the
repository that imports either, or `constructs`.

Two ways in. `of(scope)` is the framework of a given construct's app, read from the classes in its tree: what
`guard(app)` and `suppress(...)` use, so Guardrails work on a cdktn app exactly as on a cdktf app whatever else is
installed. The module's own names (`App`, `TerraformStack`, `Fn`, `Construct`, ...) are those of the installed
framework: cdktf when it is installed, else cdktn (installing requirements/cdktn.txt instead of platform.txt is the
whole switch); infra/ and the tests build apps with them. Nothing here starts jsii until a name is used.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from types import ModuleType
from typing import Any

# framework package -> (its distribution, the AWS provider bindings built for it, their distribution)
FRAMEWORKS = {
    "cdktf": ("cdktf", "cdktf_cdktf_provider_aws", "cdktf-cdktf-provider-aws"),
    "cdktn": ("cdktn", "cdktn_provider_aws", "cdktn-provider-aws"),
}
DEFAULT = "cdktf"
# The framework's core names the repository uses; `constructs` supplies the last three (both frameworks share it).
CORE = (
    "Annotations",
    "App",
    "AssetType",
    "Aspects",
    "DataTerraformRemoteStateS3",
    "Fn",
    "IAspect",
    "LocalBackend",
    "Postcondition",
    "S3Backend",
    "TerraformAsset",
    "TerraformDataSource",
    "TerraformHclModule",
    "TerraformIterator",
    "TerraformModule",
    "TerraformOutput",
    "TerraformProvider",
    "TerraformResource",
    "TerraformResourceLifecycle",
    "TerraformStack",
    "TerraformVariable",
    "Token",
)
CONSTRUCTS = ("Construct", "IConstruct", "IValidation")
__all__ = ["CORE", "CONSTRUCTS", "DEFAULT", "FRAMEWORKS", "Framework", "installed", "of", *CORE, *CONSTRUCTS]


@dataclass(frozen=True)
class Framework:
    """One framework: its package name ("cdktf" or "cdktn") and, on use, its module and versions."""

    name: str

    @property
    def module(self) -> ModuleType:
        return importlib.import_module(self.name)

    @property
    def bindings(self) -> str:
        """The package of the AWS provider bindings built for this framework."""
        return FRAMEWORKS[self.name][1]

    def __getattr__(self, attribute: str) -> Any:
        if attribute in CONSTRUCTS:
            return getattr(importlib.import_module("constructs"), attribute)
        if attribute in CORE:
            return getattr(self.module, attribute)
        raise AttributeError(attribute)

    def versions(self) -> dict[str, str]:
        """The installed distributions of the framework and its AWS bindings, by name ("not installed" if not)."""
        return {dist: _version(dist) for dist in (FRAMEWORKS[self.name][0], FRAMEWORKS[self.name][2])}

    def describe(self) -> str:
        found = self.versions()
        return " + ".join(f"{dist} {v}" for dist, v in found.items())


def _version(distribution: str) -> str:
    try:
        return version(distribution)
    except PackageNotFoundError:
        return "not installed"


@cache
def installed() -> Framework:
    """cdktf when it is installed (the default configuration), else cdktn; neither is one line to the user."""
    for name in (DEFAULT, *(n for n in FRAMEWORKS if n != DEFAULT)):
        if importlib.util.find_spec(name) is not None:
            return Framework(name)
    raise ModuleNotFoundError(
        "neither cdktf nor cdktn is installed: install requirements/platform.txt (cdktf 0.21, the default) or "
        "requirements/cdktn.txt (CDK Terrain)"
    )


def of(scope: Any) -> Framework:
    """The framework of the app `scope` belongs to (a construct, a stack or the app), read from the jsii types of
    the classes in its tree: `cdktf.App`, `cdktn.TerraformStack`, ..."""
    node = scope.node
    for construct in (node.root, *reversed(node.scopes)):
        for cls in type(construct).__mro__:
            package = str(getattr(cls, "__jsii_type__", None) or "").split(".")[0]
            if package in FRAMEWORKS:
                return Framework(package)
    raise TypeError(f"{node.path or 'the app'} belongs to no cdktf or cdktn app (its root is {type(node.root)})")


def __getattr__(name: str) -> Any:  # the installed framework's names, resolved on first use
    if name in CORE or name in CONSTRUCTS:
        value = (
            getattr(importlib.import_module("constructs"), name) if name in CONSTRUCTS else getattr(installed(), name)
        )
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
