"""Platform configuration: one table of fields, where every input comes from, and one-line errors for bad values.

Each field of PlatformConfig (and of its Sizing) is declared once, with `setting(...)`: its default, its cdktf
context key, its environment variable, its parser (which says what is valid) and what it sets. FIELDS is that
table; the CLI flags, the environment and context reading, docs/configuration.md (`python -m infra.config` prints
it) and the check of tox's pass_env are derived from it, so a new field is one entry.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from policies.baseline import CONTEXT_KEY as BASELINE_CONTEXT
from policies.baseline import ENV as BASELINE_ENV
from policies.profiles import PROFILE_NAMES as PROFILES  # the one definition of the profiles

BACKENDS = ("local", "s3")
SUFFIX_PATTERN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,22}[A-Za-z0-9])?$")
REGION_PATTERN = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")
PREFIX_PATTERN = re.compile(r"^[a-z][a-z0-9]{1,9}$")
TAG_PATTERN = re.compile(r"^[\w .:/=+@-]{1,128}$")
DEFAULT_REGION = "eu-central-1"
# Variables the app reads besides the fields: where `python -m infra` writes, and cdktf-cli's context.
OUTDIR_VARIABLE = "CDKTF_OUTDIR"
CONTEXT_VARIABLE = "CDKTF_CONTEXT_JSON"
VARIABLES = {
    OUTDIR_VARIABLE: "the folder `python -m infra` synthesizes into (default `cdktf.out`; `--outdir` wins)",
    CONTEXT_VARIABLE: "the cdktf context as JSON, set by cdktf-cli when it runs the app (replaces cdktf.json's)",
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


# --- parsers: each reads a raw value (a CLI or environment string, or a context value) and says what is valid --


@dataclass(frozen=True)
class Integer:
    minimum: int
    maximum: int

    @property
    def expected(self) -> str:
        return f"an integer from {self.minimum} to {self.maximum}"

    def __call__(self, name: str, raw: Any, source: str) -> int:
        if isinstance(raw, bool):
            raise ConfigError(name, raw, self.expected, source)
        try:
            value = int(str(raw).strip()) if not isinstance(raw, int) else raw
        except ValueError:
            raise ConfigError(name, raw, self.expected, source) from None
        if not self.minimum <= value <= self.maximum:
            raise ConfigError(name, raw, self.expected, source)
        return value


@dataclass(frozen=True)
class Number:
    minimum: float
    maximum: float

    @property
    def expected(self) -> str:
        return f"a number from {self.minimum} to {self.maximum}"

    def __call__(self, name: str, raw: Any, source: str) -> float:
        try:
            value = float(str(raw).strip())
        except ValueError:
            raise ConfigError(name, raw, self.expected, source) from None
        if not self.minimum <= value <= self.maximum:
            raise ConfigError(name, raw, self.expected, source)
        return value


@dataclass(frozen=True)
class Boolean:
    expected: str = "true or false"

    def __call__(self, name: str, raw: Any, source: str) -> bool:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
        raise ConfigError(name, raw, self.expected, source)


@dataclass(frozen=True)
class Text:
    pattern: re.Pattern[str]
    expected: str

    def __call__(self, name: str, raw: Any, source: str) -> str:
        value = str(raw).strip()
        if not self.pattern.match(value):
            raise ConfigError(name, raw, self.expected, source)
        return value


@dataclass(frozen=True)
class Choice:
    choices: Sequence[str]

    @property
    def expected(self) -> str:
        return "one of " + ", ".join(self.choices)

    def __call__(self, name: str, raw: Any, source: str) -> str:
        value = str(raw).strip()
        if value not in self.choices:
            raise ConfigError(name, raw, self.expected, source)
        return value


@dataclass(frozen=True)
class Arns:
    """A list of IAM role or user ARNs: a list in the context, comma-separated in a flag or variable."""

    expected: str = "IAM role or user ARNs, comma-separated"
    pattern: re.Pattern[str] = re.compile(r"^arn:aws[\w-]*:iam::\d{12}:(role|user)/[\w+=,.@/-]+$")

    def __call__(self, name: str, raw: Any, source: str) -> tuple[str, ...]:
        items = raw if isinstance(raw, list | tuple) else [p for p in str(raw).split(",") if p.strip()]
        for item in items:
            Text(self.pattern, self.expected)(name, item, source)
        return tuple(str(i).strip() for i in items)


@dataclass(frozen=True)
class Window:
    """A weekly UTC window, read by the job keeper's own parser: one reading of the form."""

    expected: str = "ddd:hh:mm-ddd:hh:mm in UTC, e.g. sun:03:30-sun:04:30"

    def __call__(self, name: str, raw: Any, source: str) -> str:
        from infra.lambdas.glue_job_keeper import parse_window

        value = str(raw).strip().lower()
        try:
            parse_window(value)
        except ValueError as error:
            raise ConfigError(name, raw, str(error).split(": ", 1)[-1], source) from None
        if not value:
            raise ConfigError(name, raw, self.expected, source)
        return value


Parser = Callable[[str, Any, str], Any]


class _Unset:
    """No value: the default of a required field, or no production default."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


# --- the table ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """One configuration field: its flag, environment variable, context key, parser, default and doc."""

    name: str  # the attribute of PlatformConfig or Sizing
    context: str  # the cdktf context key, and the name a bad value's error gives
    parser: Parser
    doc: str
    env: str | None = None
    default: Any = UNSET
    default_doc: str | None = None  # the default as docs/configuration.md shows it, when it is not a plain value
    production_default: Any = UNSET  # the default under the production profile, when it differs

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def valid(self) -> str:
        return self.parser.expected

    @property
    def required(self) -> bool:
        return self.default is UNSET

    def parse(self, raw: Any, source: str) -> Any:
        return self.parser(self.context, raw, source)


def setting(default: Any = UNSET, **spec: Any) -> Any:
    """A dataclass field that is also a row of the configuration table (see Field for `spec`)."""
    row = {"default": default, **spec}
    if default is UNSET:
        return field(metadata={"setting": row})
    return field(default=default, metadata={"setting": row})


@dataclass(frozen=True)
class Sizing:
    """Load the stream must carry; the capacity model derives shards from it."""

    events_per_second: int = setting(
        10_000,
        context="eventsPerSecond",
        env="EVENTS_PER_SECOND",
        parser=Integer(1, 10_000_000),
        doc="events per second per production line the stream and the job are sized for",
    )
    avg_event_bytes: int = setting(
        1_024,
        context="avgEventBytes",
        env="AVG_EVENT_BYTES",
        parser=Integer(16, 1_048_576),
        doc="average size of an event",
    )
    headroom: float = setting(
        2.0,
        context="headroom",
        env="SHARD_HEADROOM",
        parser=Number(1.0, 10.0),
        doc="shards over what the load needs",
    )
    retention_hours: int = setting(
        24,
        context="retentionHours",
        env="STREAM_RETENTION_HOURS",
        parser=Integer(24, 8760),
        production_default=168,
        default_doc="`24` (`168` in production)",
        doc="hours of replay the stream keeps; at least 168 in production",
    )
    on_demand: bool = setting(
        False,
        context="streamOnDemand",
        parser=Boolean(),
        doc="an on-demand stream instead of provisioned shards",
    )
    consumers: int = 1  # readers of the stream sharing its read throughput (the job)


@dataclass(frozen=True)
class PlatformConfig:
    """Everything the stack is derived from. Weaker-than-default settings are named fields."""

    environment_suffix: str = setting(
        context="environmentSuffix",
        env="ENVIRONMENT_SUFFIX",
        parser=Text(
            SUFFIX_PATTERN,
            "1-24 characters of letters, digits, '-' or '_', starting and ending with a letter or digit (e.g. pr-123)",
        ),
        default_doc="required (cdktf.json's context sets `dev`)",
        doc="the suffix every resource name carries: one environment per suffix (a PR, a plant)",
    )
    profile: str = setting(
        "ephemeral",
        context="profile",
        env="PLATFORM_PROFILE",
        parser=Choice(PROFILES),
        doc="`ephemeral` destroys cleanly, `production` keeps data (below)",
    )
    region: str = setting(
        DEFAULT_REGION,
        context="region",
        env="AWS_REGION",
        parser=Text(REGION_PATTERN, "an AWS region name such as eu-central-1"),
        doc="the AWS region of the stack",
    )
    sizing: Sizing = field(default_factory=Sizing)
    production_lines: int = setting(
        1,
        context="productionLines",
        env="PRODUCTION_LINES",
        parser=Integer(1, 50),
        doc="production lines: a stream, two topic rules, a job and their alarms per line",
    )
    glue_workers: int | None = setting(
        None,
        context="glueWorkers",
        env="GLUE_WORKERS",
        parser=Integer(2, 299),
        default_doc="the fewest that drain 2x the load (infra/capacity.py)",
        doc="G.1X workers of each line's job; fewer than the load needs stop synth",
    )
    maintenance_window: str | None = setting(
        None,
        context="maintenanceWindow",
        env="MAINTENANCE_WINDOW",
        parser=Window(),
        doc="weekly UTC window in which the job keeper starts no job (e.g. Aurora's, sun:03:30-sun:04:30)",
    )
    name_prefix: str = setting(
        "iotsp",
        context="namePrefix",
        parser=Text(PREFIX_PATTERN, "2-10 lowercase letters or digits, starting with a letter"),
        doc="the first part of every resource name",
    )
    project: str = "industrial-iot-sensor-platform"
    owner: str = setting(
        "platform-engineering", context="owner", parser=Text(TAG_PATTERN, "a tag value"), doc="the Owner tag"
    )
    cost_center: str = setting(
        "manufacturing-it", context="costCenter", parser=Text(TAG_PATTERN, "a tag value"), doc="the CostCenter tag"
    )
    backend: str = setting(
        "local",
        context="backend",
        env="STATE_BACKEND",
        parser=Choice(BACKENDS),
        doc="Terraform state: `local` (state/<stack>.tfstate, outside git) or `s3` (encrypted, S3 native locking)",
    )
    state_bucket: str | None = setting(
        None,
        context="stateBucket",
        parser=Text(re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"), "an S3 bucket name"),
        doc="the state bucket; required when backend is `s3`",
    )
    state_key: str | None = setting(
        None,
        context="stateKey",
        parser=Text(re.compile(r"^[\w./-]{1,512}$"), "an S3 object key"),
        default_doc="`iot-platform/<suffix>/terraform.tfstate`",
        doc="the state object's key in the bucket",
    )
    state_kms_key_id: str | None = setting(
        None,
        context="stateKmsKeyId",
        parser=Text(re.compile(r"^(arn:aws[\w-]*:kms:|alias/)[\w:/-]+$"), "a KMS key ARN or alias"),
        doc="the KMS key of the state object",
    )
    enable_config_rules: bool | None = setting(
        None,
        context="enableConfigRules",
        parser=Boolean(),
        default_doc="on in production, off in ephemeral",
        doc="the AWS Config rules of the control catalog (they need the account's Config recorder)",
    )
    mes_api_key_secret_name: str | None = setting(
        None,
        context="mesApiKeySecretName",
        parser=Text(re.compile(r"^[\w/+=.@-]{1,512}$"), "a Secrets Manager secret name"),
        default_doc="`<prefix>/<suffix>/mes-api-key`",
        doc="the existing MES API key secret the stack rotates",
    )
    alert_email: str | None = setting(
        None,
        context="alertEmail",
        parser=Text(re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$"), "an e-mail address"),
        doc="an address subscribed to the alert topic",
    )
    lake_formation_admins: tuple[str, ...] = setting(
        (),
        context="lakeFormationAdmins",
        env="LAKE_FORMATION_ADMINS",
        parser=Arns(),
        default_doc="none",
        doc="account baseline only: Lake Formation admins besides the deployer",
    )
    mes_verify_url: str | None = setting(
        None,
        context="mesVerifyUrl",
        env="MES_VERIFY_URL",
        parser=Text(re.compile(r"^https://[A-Za-z0-9.-]+(:\d{2,5})?(/[\w./%-]*)?$"), "an https:// URL"),
        doc="the MES endpoint the key rotation's testSecret proves the new key against",
    )
    baseline: str | None = setting(
        None,
        context=BASELINE_CONTEXT,
        env=BASELINE_ENV,
        parser=Text(re.compile(r"^\S+\.json$"), "a path to a baseline file written by `python -m compliance baseline`"),
        default_doc="none",
        doc="findings accepted as they stand: synth and the gate then fail only on what is new (docs/gate.md)",
    )
    mes_cidr: str | None = setting(
        None,
        context="mesCidr",
        parser=Text(re.compile(r"^(\d{1,3}\.){3}\d{1,3}/(1[6-9]|2\d|3[0-2])$"), "an IPv4 CIDR of /16 to /32"),
        doc="where the MES is reachable from the private subnets (VPN, Direct Connect): HTTPS egress opens to it",
    )

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


def _fields(cls: type) -> list[Field]:
    """The table rows of a config dataclass, in declaration order; a nested config's rows stand in its place."""
    rows: list[Field] = []
    for attribute in dataclasses.fields(cls):
        if "setting" in attribute.metadata:
            rows.append(Field(name=attribute.name, **attribute.metadata["setting"]))
        elif dataclasses.is_dataclass(attribute.default_factory):
            rows += _fields(attribute.default_factory)
    return rows


FIELDS: tuple[Field, ...] = tuple(_fields(PlatformConfig))
BY_NAME = {f.name: f for f in FIELDS}
BY_CONTEXT = {f.context: f for f in FIELDS}
SIZING_FIELDS = tuple(f.name for f in _fields(Sizing))


def parse_cli(argv: Sequence[str]) -> dict[str, str]:
    """`--environment-suffix pr-1` or `--environment-suffix=pr-1` -> {"environment_suffix": "pr-1"}."""
    known = {f.flag[2:]: f.name for f in FIELDS}
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
    if env.get(CONTEXT_VARIABLE):
        try:
            return dict(json.loads(env[CONTEXT_VARIABLE]))
        except (ValueError, TypeError):
            raise ConfigError(CONTEXT_VARIABLE, env[CONTEXT_VARIABLE][:60], "a JSON object") from None
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
        if key in BY_CONTEXT:
            raw[BY_CONTEXT[key].name] = (value, f"cdktf context '{key}'")
    for f in FIELDS:
        if f.env and env.get(f.env, "") != "":
            raw[f.name] = (env[f.env], f"environment variable {f.env}")
    for name, value in cli.items():
        raw[name] = (value, BY_NAME[name].flag)

    for f in FIELDS:
        if f.required and f.name not in raw:
            raise ConfigError(f.context, None, f"a value from {f.flag}, {f.env} or cdktf context '{f.context}'")
    parsed = {name: BY_NAME[name].parse(value, source) for name, (value, source) in raw.items()}
    production = parsed.get("profile", BY_NAME["profile"].default) == "production"
    for f in FIELDS:
        if production and f.name not in parsed and f.production_default is not UNSET:
            parsed[f.name] = f.production_default
    sizing_values = {k: parsed.pop(k) for k in SIZING_FIELDS if k in parsed}
    config = PlatformConfig(sizing=Sizing(**sizing_values), **parsed)
    return validate(config)


def validate(config: PlatformConfig) -> PlatformConfig:
    """Cross-field rules that no single value can check (CROSS_FIELD_RULES says them for the docs)."""
    if config.backend == "s3" and not config.state_bucket:
        raise ConfigError("stateBucket", None, "an S3 bucket name when backend is 's3'")
    if config.is_production and config.sizing.retention_hours < 168:
        raise ConfigError(
            "retentionHours", config.sizing.retention_hours, "at least 168 in the production profile (7 days of replay)"
        )
    return config


CROSS_FIELD_RULES = (
    "`backend` `s3` needs `stateBucket`",
    "the `production` profile needs `retentionHours` of at least 168 (7 days of replay)",
)


def with_overrides(config: PlatformConfig, **changes: Any) -> PlatformConfig:
    """A copy with some fields changed, validated again (used by tests and benchmarks)."""
    return validate(replace(config, **changes))


# --- docs/configuration.md ------------------------------------------------------------------------------------


def _default(f: Field) -> str:
    if f.default_doc is not None:
        return f.default_doc
    if f.default is None:
        return "none"
    return f"`{str(f.default).lower() if isinstance(f.default, bool) else f.default}`"


def configuration_markdown() -> str:
    """docs/configuration.md, generated from FIELDS (tests/docs/test_infra_pages.py holds the page equal to it)."""

    def code(value: str | None) -> str:
        return f"`{value}`" if value else ""

    def paragraph(text: str) -> str:
        return textwrap.fill(text, width=120, break_long_words=False, break_on_hyphens=False)

    lines = [
        "# Configuration",
        "",
        "<!-- generated by `python -m infra.config` from the FIELDS table of infra/config.py: edit the table, not "
        "this page -->",
        "",
        paragraph(
            "Every value the platform is built from. Each comes from a CLI flag of `python -m infra`, an environment "
            'variable, or the cdktf context (`cdktf.json` "context", or `CDKTF_CONTEXT_JSON` when cdktf-cli runs the '
            "app), in that precedence, else its default. A bad value stops before any construct is built with one "
            "line naming the field, the value and what is valid (exit 2)."
        ),
        "",
        "| field | flag | environment variable | context key | default | valid | what it sets |",
        "|---|---|---|---|---|---|---|",
        *(
            f"| {f.name} | {code(f.flag)} | {code(f.env)} | {code(f.context)} | {_default(f)} | {f.valid} | {f.doc} |"
            for f in FIELDS
        ),
        "",
        paragraph("Rules across fields: " + "; ".join(CROSS_FIELD_RULES) + "."),
        "",
        "Other variables the app reads:",
        "",
        *(f"- `{name}`: {what}" for name, what in VARIABLES.items()),
        "",
        paragraph(
            "`tox -e compliance` passes every variable on this page to synth and the gate (tests/infra/test_tox_env.py "
            "holds its `pass_env` equal to this table)."
        ),
        "",
        paragraph(
            "Profiles: `ephemeral` destroys cleanly (buckets `force_destroy`, `skip_final_snapshot`, no deletion "
            "protection, 7-day KMS deletion window, 30-day logs, no `prevent_destroy`); `production` keeps data "
            "(deletion protection, final snapshot, 35-day backups, 2 DB instances, 7-day stream replay, 365-day "
            "logs, 30-day key window). Switch with `--profile production`, never by editing code. Names: "
            "`infra/naming.py` knows each service's alphabet and limits, and every name carries the suffix."
        ),
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(configuration_markdown(), end="")
