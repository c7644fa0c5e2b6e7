"""The profiles: what fails in each (a severity threshold) and which Checkov built-ins each does not run, with why.

The one definition of the profiles: the Aspect, the gate, the reports and infra's configuration read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from policies.model import SEVERITIES


@dataclass(frozen=True)
class Profile:
    name: str
    threshold: str  # a finding at or above this severity fails; below it, it is a warning
    skipped: dict[str, str] = field(default_factory=dict)  # built-in id -> why this profile does not run it
    description: str = ""

    def fails(self, severity: str) -> bool:
        """Is `severity` at or above the threshold (critical > high > medium > low)?"""
        return SEVERITIES.index(severity) <= SEVERITIES.index(self.threshold)


_EVERY_PROFILE = {
    "CKV2_AWS_62": "S3 event notifications are not a control here; the lake is read by Glue and Athena, not by events",
    "CKV_AWS_144": "data stays in eu-central-1 by design (residency); versioning, lifecycle and Aurora backups cover "
    "recovery",
}

# CTL-RES-01's built-ins beside CKV_AWS_139 that only production runs
_DELETION_PROTECTION = ("CKV_AWS_293", "CKV2_AWS_58", "CKV_AWS_172")  # database instance, Neptune, QLDB
_BACKUPS = ("CKV_AWS_28", "CKV_AWS_165", "CKV_AWS_133", "CKV_AWS_134", "CKV_AWS_343", "CKV_AWS_360", "CKV_AWS_361")
# (DynamoDB, its global tables, RDS, ElastiCache, Redshift, DocumentDB, Neptune)

PROFILES: dict[str, Profile] = {
    "ephemeral": Profile(
        "ephemeral",
        threshold="medium",
        skipped={
            **_EVERY_PROFILE,
            "CKV_AWS_139": "ephemeral environments must destroy cleanly; RES-PRD-001 and this check enforce it in "
            "production",
            **dict.fromkeys(
                _DELETION_PROTECTION,
                "deletion protection: ephemeral environments must destroy cleanly (DES-EPH-001); production runs it",
            ),
            **dict.fromkeys(
                _BACKUPS,
                "backups: an ephemeral environment's data is disposable, destroyed with it; production runs it "
                "(CTL-RES-01: data is recoverable in production)",
            ),
            "CKV_AWS_338": "ephemeral environments keep logs 30 days (LOG-RET-001); production keeps 365 (LOG-RET-002 "
            "and this check)",
        },
        description="pull requests and CI: destroys cleanly; fails at medium and above",
    ),
    "production": Profile(
        "production",
        threshold="low",
        skipped=dict(_EVERY_PROFILE),
        description="keeps its data (deletion protection, backups, year-long logs); fails at low and above",
    ),
}
PROFILE_NAMES = tuple(PROFILES)


def profile(name: str) -> Profile:
    """The profile of this name; ValueError naming the valid ones."""
    if name not in PROFILES:
        raise ValueError(f"profile {name!r}: expected one of {', '.join(PROFILES)}")
    return PROFILES[name]
