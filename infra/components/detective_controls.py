"""Detective controls: the AWS Config managed rules named in the control catalog, re-checking the running account.

The identifiers come from the catalog as data (`config_rule_identifiers`, through policies.catalog, the one reader
of compliance/catalog.yaml) and are handed to the construct: infra uses policies, never compliance.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from constructs import Construct

from infra import aws
from infra.context import PlatformContext
from policies.catalog import default_catalog
from policies.rules.general.required_tags import REQUIRED_TAGS
from policies.rules.secretsmanager.secret_rotation import MAX_ROTATION_DAYS

# Managed rules that need parameters to check what our controls mean.
PARAMETERS = {
    "REQUIRED_TAGS": {f"tag{i}Key": tag for i, tag in enumerate(REQUIRED_TAGS, start=1)},
    "CW_LOGGROUP_RETENTION_PERIOD_CHECK": {"MinRetentionTime": "365"},
    "SECRETSMANAGER_ROTATION_ENABLED_CHECK": {"maximumAllowedRotationFrequency": str(MAX_ROTATION_DAYS)},
}


def config_rule_identifiers() -> list[str]:
    """The AWS Config managed rules the catalog's controls map to (each control's `mappings: config:`), sorted."""
    return sorted({i for control in default_catalog().controls for i in control.mappings.get("config", ())})


class DetectiveControls(Construct):
    """One aws_config_config_rule per identifier. Needs the account's AWS Config recorder (account-wide, usually
    owned by the landing zone), which is why the ephemeral profile leaves these off by default."""

    def __init__(self, scope: Construct, id_: str, ctx: PlatformContext, identifiers: Iterable[str]) -> None:
        super().__init__(scope, id_)
        self.rules = {
            identifier: aws.ConfigConfigRule(
                self,
                identifier.lower(),
                name=ctx.namer.config_rule(identifier.lower().replace("_", "-")),
                description=f"AWS managed rule {identifier}, mapped in compliance/catalog.yaml",
                source=aws.ConfigConfigRuleSource(owner="AWS", source_identifier=identifier),
                input_parameters=json.dumps(PARAMETERS[identifier]) if identifier in PARAMETERS else None,
            )
            for identifier in identifiers
        }
