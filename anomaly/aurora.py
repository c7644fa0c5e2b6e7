"""Anomalies and alert episodes into Aurora PostgreSQL, as the least-privilege role `anomaly_writer`.

The sink logs in with a credential provider: an IAM database authentication token in the Glue job (no password
stored anywhere), a password in local tests. Credentials are cached and fetched again at once when a login fails
(a rotated password, an expired token). Every connection verifies the server certificate against the RDS CA bundle
and the endpoint's host name. Writes are idempotent upserts (anomalies on (event_id, rule), episodes on
episode_id), one statement per table per batch. The schema is not the job's business: anomaly/schema.sql is
applied once per deploy by the stack's migration; the job's role may not change it.
"""

from __future__ import annotations

import re
import ssl
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

APP_ROLE = "anomaly_writer"
# AWS: an IAM authentication token is valid for 15 minutes
# (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/UsingWithRDS.IAMDBAuth.Connecting.html);
# the job takes a new one after 10, and at once when a login is refused.
IAM_TOKEN_TTL_S = 600.0


class ConfigError(ValueError):
    """The job cannot run as configured: the message says what, where and how to fix it."""


@dataclass(frozen=True)
class Login:
    user: str
    password: str = ""

    def __repr__(self) -> str:  # never print a password or token
        return f"Login(user={self.user!r})"


class Credentials:
    """A database login, fetched at most once per `ttl_s`, and again at once when a login fails."""

    def __init__(self, fetch: Callable[[], Login], ttl_s: float, clock: Callable[[], float] = time.monotonic):
        self._fetch, self.ttl_s, self.clock = fetch, ttl_s, clock
        self._login: Login | None = None
        self._fetched = -float("inf")
        self.fetches = 0

    def get(self) -> Login:
        if self._login is None or self.clock() - self._fetched > self.ttl_s:
            return self.refresh()
        return self._login

    def refresh(self) -> Login:
        self._login, self._fetched = self._fetch(), self.clock()
        self.fetches += 1
        return self._login


def iam_token_credentials(
    rds_client: Any, host: str, port: int, user: str = APP_ROLE, ttl_s: float = IAM_TOKEN_TTL_S
) -> Credentials:
    """IAM database authentication: the token, signed locally with the job role's credentials, is the password
    (boto3 RDS.Client.generate_db_auth_token; the role needs rds-db:connect on the dbuser ARN)."""

    def fetch() -> Login:
        token = rds_client.generate_db_auth_token(
            DBHostname=host, Port=port, DBUsername=user, Region=rds_client.meta.region_name
        )
        return Login(user, token)

    return Credentials(fetch, ttl_s)


def password_credentials(user: str, read_password: Callable[[], str], ttl_s: float = 300.0) -> Credentials:
    """A password login (local runs and tests): `read_password` is asked again after a refused login."""
    return Credentials(lambda: Login(user, read_password()), ttl_s)


_PEM_CERT = re.compile(rb"-----BEGIN CERTIFICATE-----\s+[A-Za-z0-9+/=\s]+-----END CERTIFICATE-----")


def tls_context(ca_bundle: str | Path) -> ssl.SSLContext:
    """Verify the server certificate against the RDS CA bundle and the endpoint's host name (TLS 1.2 or newer).
    A missing bundle, or one without a certificate, is a ConfigError that names the file and the fix."""
    path = Path(ca_bundle)
    fix = "the stack ships AWS's RDS CA bundle with the job (--extra-files) and names it in --rds_ca_bundle"
    if not path.is_file():
        raise ConfigError(f"RDS CA bundle {str(path)!r} not found (working directory {Path.cwd()}): {fix}")
    data = path.read_bytes()
    if not _PEM_CERT.search(data):
        raise ConfigError(f"RDS CA bundle {str(path)!r} holds no PEM certificate ({len(data)} bytes): {fix}")
    # Verification on, host names checked; with cafile given, the bundle is the only trust (no system store).
    context = ssl.create_default_context(cafile=str(path))
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def is_auth_error(error: Exception) -> bool:
    """PostgreSQL refused the login (SQLSTATE 28P01 invalid password, 28000 invalid authorization)."""
    details = error.args[0] if error.args and isinstance(error.args[0], Mapping) else {}
    return details.get("C") in {"28P01", "28000"} or "28P01" in str(error)


def _timestamp(value: Any) -> datetime | None:
    """Epoch microseconds (what the job hands over: no time-zone guesswork) or an aware datetime -> aware UTC."""
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass epoch microseconds or an aware datetime")
        return value.astimezone(UTC)
    return datetime.fromtimestamp(int(value) / 1e6, UTC)


@dataclass(frozen=True)
class Table:
    """One upsert: columns with their PostgreSQL types, the conflict key, the columns an update may change, and
    an optional guard (an older record never overwrites a newer one). All rows go in one statement, as one array
    per column (`unnest`); a text[] column travels as comma-joined text (unnest would flatten arrays of arrays)."""

    name: str
    columns: tuple[tuple[str, str], ...]
    key: tuple[str, ...]
    updates: tuple[str, ...]
    guard: str | None = None
    stamp: str | None = None  # a column set to now() by every update

    @property
    def sql(self) -> str:
        names = ", ".join(c for c, _ in self.columns)
        arrays = ", ".join(f"CAST(:{c} AS {'text' if t == 'text[]' else t}[])" for c, t in self.columns)
        picks = ", ".join(f"string_to_array(u.{c}, ',')" if t == "text[]" else f"u.{c}" for c, t in self.columns)
        sets = ", ".join(
            [f"{c} = EXCLUDED.{c}" for c in self.updates] + ([f"{self.stamp} = now()"] if self.stamp else [])
        )
        guard = f" WHERE {self.guard}" if self.guard else ""
        return (
            f"INSERT INTO {self.name} ({names}) SELECT {picks} FROM unnest({arrays}) AS u({names}) "
            f"ON CONFLICT ({', '.join(self.key)}) DO UPDATE SET {sets}{guard}"
        )

    def rows(self, records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Records as parameter rows, the last one winning per key (one statement may not touch a row twice)."""
        by_key: dict[tuple, dict[str, Any]] = {}
        for record in records:
            row = {c: _value(record.get(c), t) for c, t in self.columns}
            by_key[tuple(row[k] for k in self.key)] = row
        return list(by_key.values())


def _value(value: Any, pg_type: str) -> Any:
    if pg_type == "timestamptz":
        return _timestamp(value)
    if pg_type == "text[]" and value is not None:
        items = [str(v) for v in value]
        if any("," in v for v in items):
            raise ValueError(f"{items!r}: a text[] value travels comma-joined and may not hold a comma")
        return ",".join(items)
    if pg_type == "float8" and value is not None:
        return float(value)
    return value


ANOMALIES = Table(
    "anomalies",
    (
        ("event_id", "text"),
        ("rule", "text"),
        ("score", "float8"),
        ("device_id", "text"),
        ("production_line", "text"),
        ("metric", "text"),
        ("value", "float8"),
        ("expected_low", "float8"),
        ("expected_high", "float8"),
        ("severity", "text"),
        ("message", "text"),
        ("event_ts", "timestamptz"),
    ),
    ("event_id", "rule"),
    ("value", "score", "expected_low", "expected_high", "severity", "message"),
)
FIELDS = tuple(c for c, _ in ANOMALIES.columns)
# One row per alert episode, upserted by id as it opens, grows and closes. A closed episode is final, and an older
# record (a replayed batch) never overwrites a newer one: the guard keeps the row with more alert readings.
EPISODES = Table(
    "episodes",
    (
        ("episode_id", "text"),
        ("device_id", "text"),
        ("metric", "text"),
        ("production_line", "text"),
        ("start_ts", "timestamptz"),
        ("end_ts", "timestamptz"),
        ("last_anomaly_ts", "timestamptz"),
        ("peak_severity", "text"),
        ("rules", "text[]"),
        ("first_value", "float8"),
        ("peak_value", "float8"),
        ("readings", "int4"),
        ("status", "text"),
        ("score", "float8"),
    ),
    ("episode_id",),
    ("end_ts", "last_anomaly_ts", "peak_severity", "rules", "peak_value", "readings", "status", "score"),
    guard="episodes.status = 'open' AND episodes.readings <= EXCLUDED.readings",
    stamp="updated_ts",
)


class AuroraSink:
    """Upserts into the monitoring database, one transaction per call, as the application role."""

    def __init__(
        self,
        endpoint: str,
        database: str,
        credentials: Credentials,
        connect: Callable[..., Any],
        ssl_context: ssl.SSLContext,
        port: int = 5432,
    ) -> None:
        # pg8000 reads ssl_context=None as "TLS if offered, certificate NOT verified": the sink takes only a context
        # that verifies the server certificate and its host name.
        if not (
            isinstance(ssl_context, ssl.SSLContext)
            and ssl_context.verify_mode == ssl.CERT_REQUIRED
            and ssl_context.check_hostname
        ):
            raise ConfigError(
                f"AuroraSink needs a TLS context that verifies the server certificate and host name, got "
                f"{ssl_context!r}: build it with anomaly.aurora.tls_context(<RDS CA bundle>)"
            )
        self.endpoint, self.database, self.port = endpoint, database, port
        self.credentials, self.connect, self.ssl_context = credentials, connect, ssl_context

    def _connection(self) -> Any:
        """A connection; a refused login fetches the credentials again once (rotated password, expired token)."""
        for attempt in (1, 2):
            login = self.credentials.get() if attempt == 1 else self.credentials.refresh()
            try:
                return self.connect(
                    user=login.user,
                    password=login.password,
                    host=self.endpoint,
                    port=self.port,
                    database=self.database,
                    ssl_context=self.ssl_context,
                )
            except Exception as error:
                if attempt == 2 or not is_auth_error(error):
                    raise
        raise AssertionError("unreachable")

    def upsert(self, writes: Sequence[tuple[Table, Iterable[Mapping[str, Any]]]]) -> dict[str, int]:
        """Every table's records in one transaction; returns the rows sent per table."""
        batches = [(table, table.rows(records)) for table, records in writes]
        batches = [(table, rows) for table, rows in batches if rows]
        if not batches:
            return {}
        connection = self._connection()
        try:
            connection.run("BEGIN")
            for table, rows in batches:
                connection.run(table.sql, **{c: [row[c] for row in rows] for c, _ in table.columns})
            connection.run("COMMIT")
        except Exception:
            connection.run("ROLLBACK")
            raise
        finally:
            connection.close()
        return {table.name: len(rows) for table, rows in batches}

    def upsert_anomalies(self, anomalies: Iterable[Mapping[str, Any]]) -> int:
        return self.upsert([(ANOMALIES, anomalies)]).get(ANOMALIES.name, 0)

    def upsert_alerts(
        self, anomalies: Iterable[Mapping[str, Any]], episodes: Iterable[Mapping[str, Any]]
    ) -> dict[str, int]:
        """A batch's anomaly rows and episode records, in one transaction (what process_batch's on_alerts gets)."""
        return self.upsert([(ANOMALIES, anomalies), (EPISODES, episodes)])


def batch_metrics(job_name: str, counts: Mapping[str, int], seconds: float) -> list[dict[str, Any]]:
    """CloudWatch metric data for one micro-batch (the stack's alarms read these names). `EpisodesOpened` is the
    alert count: one per incident, however many readings and batches the incident spans."""
    records = counts.get("curated", 0)
    rate = 100.0 * counts.get("anomalies", 0) / records if records else 0.0
    dimensions = [{"Name": "JobName", "Value": job_name}]
    values = {
        "RecordsProcessed": (counts.get("records", 0), "Count"),
        "AnomaliesDetected": (counts.get("anomalies", 0), "Count"),
        "EpisodesOpened": (counts.get("episodes_opened", 0), "Count"),
        "EpisodesClosed": (counts.get("episodes_closed", 0), "Count"),
        "Quarantined": (counts.get("quarantined", 0), "Count"),
        "AnomalyRatePercent": (rate, "Percent"),
        "BatchSeconds": (seconds, "Seconds"),
    }
    return [{"MetricName": k, "Value": float(v), "Unit": u, "Dimensions": dimensions} for k, (v, u) in values.items()]
