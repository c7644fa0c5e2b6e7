"""Platform configuration: where every input comes from, and one-line errors for bad values."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

PROFILES = ("ephemeral", "production")
BACKENDS = ("local", "s3")
SUFFIX_PATTERN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,22}[A-Za-z0-9])?$")
REGION_PATTERN = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")
PREFIX_PATTERN = re.compile(r"^[a-z][a-z0-9]{1,9}$")
DEFAULT_REGION = "eu-central-1"

# Environment variables and their config field; the CLI flags use the same field names.
ENV_VARS = {
    "ENVIRONMENT_SUFFIX": "environment_suffix",
    "PLATFORM_PROFILE": "profile",
    "AWS_REGION": "region",
    "EVENTS_PER_SECOND": "events_per_second",
    "AVG_EVENT_BYTES": "avg_event_bytes",
    "SHARD_HEADROOM": "headroom",
    "STREAM_RETENTION_HOURS": "retention_hours",
    "PRODUCTION_LINES": "production_lines",
    "GLUE_WORKERS": "glue_workers",
    "MAINTENANCE_WINDOW": "maintenance_window",
    "STATE_BACKEND": "backend",
    "LAKE_FORMATION_ADMINS": "lake_formation_admins",
    "MES_VERIFY_URL": "mes_verify_url",
}
# cdktf context keys (cdktf.json "context", or CDKTF_CONTEXT_JSON) and their config field.
CONTEXT_KEYS = {
    "environmentSuffix": "environment_suffix",
    "profile": "profile",
    "region": "region",
    "eventsPerSecond": "events_per_second",
    "avgEventBytes": "avg_event_bytes",
    "headroom": "headroom",
    "retentionHours": "retention_hours",
    "streamOnDemand": "on_demand",
    "productionLines": "production_lines",
    "glueWorkers": "glue_workers",
    "maintenanceWindow": "maintenance_window",
    "namePrefix": "name_prefix",
    "owner": "owner",
    "costCenter": "cost_center",
    "backend": "backend",
    "stateBucket": "state_bucket",
    "stateKey": "state_key",
    "stateKmsKeyId": "state_kms_key_id",
    "enableConfigRules": "enable_config_rules",
    "mesApiKeySecretName": "mes_api_key_secret_name",
    "alertEmail": "alert_email",
    "mesVerifyUrl": "mes_verify_url",
    "mesCidr": "mes_cidr",
    "lakeFormationAdmins": "lake_formation_admins",
}


class ConfigError(ValueError):
    """A configuration value is invalid; the message names the field, the value and what is valid."""

    def __init__(self, field_name: str, value: Any, expected: str, source: str = "") -> None:
        self.field_name = field_name
        self.value = value
        self.expected = expected
        self.source = source
        where = f" (from {source})" if source else ""
        super().__init__(f"invalid {field_name}={value!r}{where}: expected {expected}")


@dataclass(frozen=True)
class Sizing:
    """Load the stream must carry; the capacity model derives shards from it."""

    events_per_second: int = 10_000
    avg_event_bytes: int = 1_024
    headroom: float = 2.0
    retention_hours: int = 24
    on_demand: bool = False
    consumers: int = 1


@dataclass(frozen=True)
class PlatformConfig:
    """Everything the stack is derived from. Weaker-than-default settings are named fields."""

    environment_suffix: str
    profile: str = "ephemeral"
    region: str = DEFAULT_REGION
    sizing: Sizing = field(default_factory=Sizing)
    production_lines: int = 1
    glue_workers: int | None = None  # G.1X workers per line's job; None: the fewest that drain 2x (infra.capacity)
    maintenance_window: str | None = None  # weekly UTC window (ddd:hh:mm-ddd:hh:mm) the job keeper starts nothing in
    name_prefix: str = "iotsp"
    project: str = "industrial-iot-sensor-platform"
    owner: str = "platform-engineering"
    cost_center: str = "manufacturing-it"
    backend: str = "local"
    state_bucket: str | None = None
    state_key: str | None = None
    state_kms_key_id: str | None = None
    enable_config_rules: bool | None = None
    mes_api_key_secret_name: str | None = None
    alert_email: str | None = None
    mes_verify_url: str | None = None  # the MES endpoint the rotation's testSecret proves the new key against
    mes_cidr: str | None = None  # where the MES is reachable from the private subnets (VPN, Direct Connect)
    lake_formation_admins: tuple[str, ...] = ()  # account baseline only: admins besides the deployer

    @property
    def is_production(self) -> bool:
        return self.profile == "production"

    @property
    def config_rules_enabled(self) -> bool:
        """AWS Config rules: on in production, off by default in ephemeral (the recorder is account-wide)."""
        if self.enable_config_rules is None:
            return self.is_production
        return self.enable_config_rules

    @property
    def mes_secret_name(self) -> str:
        return self.mes_api_key_secret_name or f"{self.name_prefix}/{self.environment_suffix}/mes-api-key"

    @property
    def stack_name(self) -> str:
        return f"iot-platform-{self.environment_suffix}"

    def tags(self) -> dict[str, str]:
        """Provider default_tags: every resource carries them."""
        return {
            "Environment": self.environment_suffix,
            "Profile": self.profile,
            "Project": self.project,
            "Owner": self.owner,
            "CostCenter": self.cost_center,
            "DataClassification": "internal",
            "ManagedBy": "cdktf",
        }


def _as_int(name: str, raw: Any, source: str, minimum: int, maximum: int) -> int:
    if isinstance(raw, bool):
        raise ConfigError(name, raw, f"an integer from {minimum} to {maximum}", source)
    try:
        value = int(str(raw).strip()) if not isinstance(raw, int) else raw
    except ValueError:
        raise ConfigError(name, raw, f"an integer from {minimum} to {maximum}", source) from None
    if not minimum <= value <= maximum:
        raise ConfigError(name, raw, f"an integer from {minimum} to {maximum}", source)
    return value


def _as_float(name: str, raw: Any, source: str, minimum: float, maximum: float) -> float:
    try:
        value = float(str(raw).strip())
    except ValueError:
        raise ConfigError(name, raw, f"a number from {minimum} to {maximum}", source) from None
    if not minimum <= value <= maximum:
        raise ConfigError(name, raw, f"a number from {minimum} to {maximum}", source)
    return value


def _as_bool(name: str, raw: Any, source: str) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ConfigError(name, raw, "true or false", source)


def _text(name: str, raw: Any, source: str, pattern: re.Pattern[str], expected: str) -> str:
    value = str(raw).strip()
    if not pattern.match(value):
        raise ConfigError(name, raw, expected, source)
    return value


FIELD_PARSERS = {
    "environment_suffix": lambda raw, src: _text(
        "environmentSuffix",
        raw,
        src,
        SUFFIX_PATTERN,
        "1-24 characters of letters, digits, '-' or '_', starting and ending with a letter or digit (e.g. pr-123)",
    ),
    "profile": lambda raw, src: _choice("profile", raw, src, PROFILES),
    "region": lambda raw, src: _text("region", raw, src, REGION_PATTERN, "an AWS region name such as eu-central-1"),
    "events_per_second": lambda raw, src: _as_int("eventsPerSecond", raw, src, 1, 10_000_000),
    "avg_event_bytes": lambda raw, src: _as_int("avgEventBytes", raw, src, 16, 1_048_576),
    "headroom": lambda raw, src: _as_float("headroom", raw, src, 1.0, 10.0),
    "retention_hours": lambda raw, src: _as_int("retentionHours", raw, src, 24, 8760),
    "on_demand": lambda raw, src: _as_bool("streamOnDemand", raw, src),
    "production_lines": lambda raw, src: _as_int("productionLines", raw, src, 1, 50),
    "glue_workers": lambda raw, src: _as_int("glueWorkers", raw, src, 2, 299),
    "maintenance_window": lambda raw, src: _window("maintenanceWindow", raw, src),
    "name_prefix": lambda raw, src: _text(
        "namePrefix", raw, src, PREFIX_PATTERN, "2-10 lowercase letters or digits, starting with a letter"
    ),
    "owner": lambda raw, src: _text("owner", raw, src, re.compile(r"^[\w .:/=+@-]{1,128}$"), "a tag value"),
    "cost_center": lambda raw, src: _text("costCenter", raw, src, re.compile(r"^[\w .:/=+@-]{1,128}$"), "a tag value"),
    "backend": lambda raw, src: _choice("backend", raw, src, BACKENDS),
    "state_bucket": lambda raw, src: _text(
        "stateBucket", raw, src, re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"), "an S3 bucket name"
    ),
    "state_key": lambda raw, src: _text("stateKey", raw, src, re.compile(r"^[\w./-]{1,512}$"), "an S3 object key"),
    "state_kms_key_id": lambda raw, src: _text(
        "stateKmsKeyId", raw, src, re.compile(r"^(arn:aws[\w-]*:kms:|alias/)[\w:/-]+$"), "a KMS key ARN or alias"
    ),
    "enable_config_rules": lambda raw, src: _as_bool("enableConfigRules", raw, src),
    "mes_api_key_secret_name": lambda raw, src: _text(
        "mesApiKeySecretName", raw, src, re.compile(r"^[\w/+=.@-]{1,512}$"), "a Secrets Manager secret name"
    ),
    "mes_verify_url": lambda raw, src: _text(
        "mesVerifyUrl", raw, src, re.compile(r"^https://[A-Za-z0-9.-]+(:\d{2,5})?(/[\w./%-]*)?$"), "an https:// URL"
    ),
    "mes_cidr": lambda raw, src: _text(
        "mesCidr", raw, src, re.compile(r"^(\d{1,3}\.){3}\d{1,3}/(1[6-9]|2\d|3[0-2])$"), "an IPv4 CIDR of /16 to /32"
    ),
    "lake_formation_admins": lambda raw, src: _arns("lakeFormationAdmins", raw, src),
    "alert_email": lambda raw, src: _text(
        "alertEmail", raw, src, re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$"), "an e-mail address"
    ),
}
SIZING_FIELDS = ("events_per_second", "avg_event_bytes", "headroom", "retention_hours", "on_demand")


def _arns(name: str, raw: Any, source: str) -> tuple[str, ...]:
    items = raw if isinstance(raw, list | tuple) else [p for p in str(raw).split(",") if p.strip()]
    pattern = re.compile(r"^arn:aws[\w-]*:iam::\d{12}:(role|user)/[\w+=,.@/-]+$")
    for item in items:
        _text(name, item, source, pattern, "IAM role or user ARNs, comma-separated")
    return tuple(str(i).strip() for i in items)


def _window(name: str, raw: Any, source: str) -> str:
    from infra.lambdas.glue_job_keeper import parse_window  # the keeper's own parser: one reading of the form

    value = str(raw).strip().lower()
    try:
        parse_window(value)
    except ValueError as error:
        raise ConfigError(name, raw, str(error).split(": ", 1)[-1], source) from None
    if not value:
        raise ConfigError(name, raw, "ddd:hh:mm-ddd:hh:mm in UTC, e.g. sun:03:30-sun:04:30", source)
    return value


def _choice(name: str, raw: Any, source: str, choices: Sequence[str]) -> str:
    value = str(raw).strip()
    if value not in choices:
        raise ConfigError(name, raw, "one of " + ", ".join(choices), source)
    return value


def parse_cli(argv: Sequence[str]) -> dict[str, str]:
    """`--environment-suffix pr-1` or `--environment-suffix=pr-1` -> {"environment_suffix": "pr-1"}."""
    known = {name.replace("_", "-"): name for name in FIELD_PARSERS}
    values: dict[str, str] = {}
    args = list(argv)
    while args:
        arg = args.pop(0)
        if not arg.startswith("--"):
            raise ConfigError("argument", arg, "--NAME VALUE with NAME one of " + ", ".join(sorted(known)))
        key, _, inline = arg[2:].partition("=")
        if key not in known:
            raise ConfigError("argument", arg, "one of --" + ", --".join(sorted(known)))
        if not inline:
            if not args:
                raise ConfigError(key, None, f"a value after --{key}")
            inline = args.pop(0)
        values[known[key]] = inline
    return values


def read_context(env: Mapping[str, str], project_dir: Path | None = None) -> dict[str, Any]:
    """cdktf context: CDKTF_CONTEXT_JSON when cdktf-cli runs the app, else cdktf.json's "context"."""
    if env.get("CDKTF_CONTEXT_JSON"):
        try:
            return dict(json.loads(env["CDKTF_CONTEXT_JSON"]))
        except (ValueError, TypeError):
            raise ConfigError("CDKTF_CONTEXT_JSON", env["CDKTF_CONTEXT_JSON"][:60], "a JSON object") from None
    path = (project_dir or Path.cwd()) / "cdktf.json"
    if not path.is_file():
        return {}
    try:
        return dict(json.loads(path.read_text()).get("context", {}))
    except (ValueError, AttributeError):
        raise ConfigError("cdktf.json", str(path), "a JSON object with an optional 'context' object") from None


def load_config(
    env: Mapping[str, str] | None = None,
    context: Mapping[str, Any] | None = None,
    cli: Mapping[str, str] | None = None,
) -> PlatformConfig:
    """Merge sources with precedence CLI flag > environment variable > cdktf context > default."""
    env = os.environ if env is None else env
    context = {} if context is None else context
    cli = {} if cli is None else cli
    raw: dict[str, tuple[Any, str]] = {}
    for key, value in context.items():
        if key in CONTEXT_KEYS:
            raw[CONTEXT_KEYS[key]] = (value, f"cdktf context '{key}'")
    for var, name in ENV_VARS.items():
        if env.get(var, "") != "":
            raw[name] = (env[var], f"environment variable {var}")
    for name, value in cli.items():
        raw[name] = (value, f"--{name.replace('_', '-')}")

    if "environment_suffix" not in raw:
        raise ConfigError(
            "environmentSuffix",
            None,
            "a value from --environment-suffix, ENVIRONMENT_SUFFIX or cdktf context 'environmentSuffix'",
        )
    parsed = {name: FIELD_PARSERS[name](value, source) for name, (value, source) in raw.items()}
    profile = parsed.get("profile", "ephemeral")
    sizing_values = {k: parsed.pop(k) for k in SIZING_FIELDS if k in parsed}
    sizing_values.setdefault("retention_hours", 168 if profile == "production" else 24)
    config = PlatformConfig(sizing=Sizing(**sizing_values), **parsed)
    return validate(config)


def validate(config: PlatformConfig) -> PlatformConfig:
    """Cross-field rules that no single value can check."""
    if config.backend == "s3" and not config.state_bucket:
        raise ConfigError("stateBucket", None, "an S3 bucket name when backend is 's3'")
    if config.is_production and config.sizing.retention_hours < 168:
        raise ConfigError(
            "retentionHours", config.sizing.retention_hours, "at least 168 in the production profile (7 days of replay)"
        )
    return config


def with_overrides(config: PlatformConfig, **changes: Any) -> PlatformConfig:
    """A copy with some fields changed, validated again (used by tests and benchmarks)."""
    return validate(replace(config, **changes))
