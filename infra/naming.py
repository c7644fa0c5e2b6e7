"""Resource names: one place that knows each AWS service's naming rules, and every name carries the suffix."""

from __future__ import annotations

import re
from dataclasses import dataclass


class NamingError(ValueError):
    """A generated name breaks its service's rules."""


@dataclass(frozen=True)
class ServiceRule:
    pattern: re.Pattern[str]
    max_length: int
    description: str


RULES: dict[str, ServiceRule] = {
    "s3_bucket": ServiceRule(
        re.compile(r"^(?!xn--)(?!sthree-)[a-z0-9][a-z0-9-]*[a-z0-9]$(?<!-s3alias)(?<!--ol-s3)"),
        63,
        "3-63 lowercase letters, digits and hyphens, starting and ending with a letter or digit",
    ),
    "iot_rule": ServiceRule(re.compile(r"^[a-zA-Z0-9_]+$"), 128, "letters, digits and underscores"),
    "iot_name": ServiceRule(re.compile(r"^[a-zA-Z0-9:_-]+$"), 128, "letters, digits, ':', '_' and '-'"),
    "iam_role": ServiceRule(re.compile(r"^[\w+=,.@-]+$"), 64, "letters, digits and +=,.@_-, at most 64"),
    "rds_identifier": ServiceRule(
        re.compile(r"^[a-z](?!.*--)[a-z0-9-]*[a-z0-9]$"),
        63,
        "lowercase letters, digits and single hyphens, starting with a letter, at most 63",
    ),
    "glue_catalog": ServiceRule(re.compile(r"^[a-z0-9_]+$"), 255, "lowercase letters, digits and underscores"),
    "glue_job": ServiceRule(re.compile(r"^[\w.-]+$"), 255, "letters, digits, '.', '_' and '-'"),
    "kinesis_stream": ServiceRule(re.compile(r"^[a-zA-Z0-9_.-]+$"), 128, "letters, digits, '_', '.' and '-'"),
    "kms_alias": ServiceRule(
        re.compile(r"^alias/(?!aws/)[a-zA-Z0-9/_-]+$"), 256, "alias/ then letters, digits, '/', '_' and '-'"
    ),
    "secret": ServiceRule(re.compile(r"^[\w/+=.@-]+$"), 512, "letters, digits and /_+=.@-"),
    "log_group": ServiceRule(re.compile(r"^[.\-_/#A-Za-z0-9]+$"), 512, "letters, digits and ._-/#"),
    "sns_topic": ServiceRule(re.compile(r"^[A-Za-z0-9_-]+$"), 256, "letters, digits, '_' and '-'"),
    "athena_workgroup": ServiceRule(re.compile(r"^[a-zA-Z0-9._-]+$"), 128, "letters, digits, '.', '_' and '-'"),
    "lambda_function": ServiceRule(re.compile(r"^[a-zA-Z0-9_-]+$"), 64, "letters, digits, '_' and '-', at most 64"),
    "security_group": ServiceRule(re.compile(r"^[a-zA-Z0-9 ._\-:/()#,@\[\]+=&;{}!$*]+$"), 255, "ASCII, at most 255"),
    "alarm": ServiceRule(re.compile(r"^[^\x00-\x1f]+$"), 255, "printable text, at most 255"),
    "dashboard": ServiceRule(re.compile(r"^[A-Za-z0-9_-]+$"), 255, "letters, digits, '_' and '-'"),
    "config_rule": ServiceRule(re.compile(r"^[A-Za-z0-9_-]+$"), 128, "letters, digits, '_' and '-'"),
}


def check(service: str, name: str) -> str:
    """Return `name` if it is valid for `service`, else raise NamingError saying why."""
    rule = RULES[service]
    if not 1 <= len(name) <= rule.max_length or not rule.pattern.match(name):
        raise NamingError(f"{service} name {name!r} is invalid: {rule.description} (max {rule.max_length})")
    if service == "s3_bucket" and len(name) < 3:
        raise NamingError(f"s3_bucket name {name!r} is shorter than 3 characters")
    return name


def _hyphens(text: str) -> str:
    return re.sub(r"-{2,}", "-", text.replace("_", "-")).strip("-")


@dataclass(frozen=True)
class Namer:
    """Builds `<prefix>-<purpose>-<suffix>` in each service's alphabet."""

    prefix: str
    suffix: str

    def _join(self, purpose: str, sep: str = "-") -> str:
        return sep.join(part for part in (self.prefix, purpose, self.suffix) if part)

    def s3_bucket(self, purpose: str) -> str:
        return check("s3_bucket", _hyphens(self._join(purpose).lower()))

    def iot_rule(self, purpose: str) -> str:
        return check("iot_rule", re.sub(r"[^a-zA-Z0-9_]", "_", self._join(purpose, "_")))

    def iot(self, purpose: str) -> str:
        return check("iot_name", self._join(purpose))

    def iam_role(self, purpose: str) -> str:
        return check("iam_role", self._join(purpose))

    def rds(self, purpose: str) -> str:
        return check("rds_identifier", _hyphens(self._join(purpose).lower()))

    def glue_catalog(self, purpose: str) -> str:
        return check("glue_catalog", re.sub(r"[^a-z0-9_]", "_", self._join(purpose, "_").lower()))

    def glue_job(self, purpose: str) -> str:
        return check("glue_job", self._join(purpose))

    def kinesis(self, purpose: str) -> str:
        return check("kinesis_stream", self._join(purpose))

    def kms_alias(self, purpose: str) -> str:
        return check("kms_alias", f"alias/{self._join(purpose)}")

    def secret(self, purpose: str) -> str:
        return check("secret", f"{self.prefix}/{self.suffix}/{purpose}")

    def log_group(self, *parts: str) -> str:
        return check("log_group", "/" + "/".join((self.prefix, self.suffix, *parts)))

    def sns_topic(self, purpose: str) -> str:
        return check("sns_topic", self._join(purpose))

    def athena_workgroup(self, purpose: str) -> str:
        return check("athena_workgroup", self._join(purpose))

    def lambda_function(self, purpose: str) -> str:
        return check("lambda_function", self._join(purpose))

    def security_group(self, purpose: str) -> str:
        return check("security_group", self._join(purpose))

    def alarm(self, purpose: str) -> str:
        return check("alarm", self._join(purpose))

    def dashboard(self, purpose: str) -> str:
        return check("dashboard", self._join(purpose))

    def config_rule(self, purpose: str) -> str:
        return check("config_rule", self._join(purpose))

    def generic(self, purpose: str) -> str:
        """For names with lax rules (VPC Name tags, thing types): prefix-purpose-suffix."""
        return self._join(purpose)
