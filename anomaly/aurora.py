"""Anomalies into Aurora PostgreSQL: credentials from Secrets Manager cached with a TTL (rotation-safe), TLS with
certificate verification, and an idempotent upsert keyed on (event_id, rule)."""

from __future__ import annotations

import json
import ssl
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS anomalies (
    event_id        text        NOT NULL,
    rule            text        NOT NULL,
    device_id       text        NOT NULL,
    production_line text,
    metric          text        NOT NULL,
    value           double precision,
    expected_low    double precision,
    expected_high   double precision,
    severity        text        NOT NULL,
    message         text,
    event_ts        timestamptz NOT NULL,
    detected_ts     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (event_id, rule)
)"""
UPSERT = """
INSERT INTO anomalies (event_id, rule, device_id, production_line, metric, value, expected_low, expected_high,
                       severity, message, event_ts)
VALUES (:event_id, :rule, :device_id, :production_line, :metric, :value, :expected_low, :expected_high,
        :severity, :message, :event_ts)
ON CONFLICT (event_id, rule) DO UPDATE SET
    value = EXCLUDED.value, expected_low = EXCLUDED.expected_low, expected_high = EXCLUDED.expected_high,
    severity = EXCLUDED.severity, message = EXCLUDED.message"""
FIELDS = (
    "event_id",
    "rule",
    "device_id",
    "production_line",
    "metric",
    "value",
    "expected_low",
    "expected_high",
    "severity",
    "message",
    "event_ts",
)


class CachedSecret:
    """The database secret, read at most once per `ttl_s`, and again at once when a login fails (rotation)."""

    def __init__(self, client: Any, secret_id: str, ttl_s: float = 300.0, clock: Callable[[], float] = time.monotonic):
        self.client, self.secret_id, self.ttl_s, self.clock = client, secret_id, ttl_s, clock
        self._value: dict[str, Any] | None = None
        self._fetched = -float("inf")
        self.fetches = 0

    def get(self) -> dict[str, Any]:
        if self._value is None or self.clock() - self._fetched > self.ttl_s:
            self.refresh()
        assert self._value is not None
        return self._value

    def refresh(self) -> dict[str, Any]:
        raw = self.client.get_secret_value(SecretId=self.secret_id)["SecretString"]
        self._value, self._fetched = json.loads(raw), self.clock()
        self.fetches += 1
        return self._value


def tls_context(ca_bundle: str) -> ssl.SSLContext:
    """Verify the server certificate against the RDS CA bundle and the endpoint's host name."""
    context = ssl.create_default_context(cafile=ca_bundle)
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def rows_for_upsert(anomalies: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [{name: row.get(name) for name in FIELDS} for row in anomalies]


def upsert_anomalies(
    anomalies: Iterable[Mapping[str, Any]],
    secret: CachedSecret,
    endpoint: str,
    database: str,
    connect: Callable[..., Any],
    ssl_context: ssl.SSLContext | None,
    is_auth_error: Callable[[Exception], bool] = lambda e: "28P01" in str(e) or "password" in str(e).lower(),
) -> int:
    """Upsert in one transaction; a failed login re-reads the secret once (it may have just rotated)."""
    rows = rows_for_upsert(anomalies)
    if not rows:
        return 0
    for attempt in (1, 2):
        credentials = secret.get() if attempt == 1 else secret.refresh()
        try:
            connection = connect(
                user=credentials["username"],
                password=credentials["password"],
                host=endpoint,
                port=int(credentials.get("port", 5432)),
                database=database,
                ssl_context=ssl_context,
            )
        except Exception as error:
            if attempt == 1 and is_auth_error(error):
                continue
            raise
        try:
            connection.run("BEGIN")
            connection.run(CREATE_TABLE)
            for row in rows:
                connection.run(UPSERT, **row)
            connection.run("COMMIT")
        except Exception:
            connection.run("ROLLBACK")
            raise
        finally:
            connection.close()
        return len(rows)
    return 0


def batch_metrics(job_name: str, counts: Mapping[str, int], seconds: float) -> list[dict[str, Any]]:
    """CloudWatch metric data for one micro-batch (the stack's alarms read these names)."""
    records = counts.get("curated", 0)
    rate = 100.0 * counts.get("anomalies", 0) / records if records else 0.0
    dimensions = [{"Name": "JobName", "Value": job_name}]
    values = {
        "RecordsProcessed": (counts.get("records", 0), "Count"),
        "AnomaliesDetected": (counts.get("anomalies", 0), "Count"),
        "Quarantined": (counts.get("quarantined", 0), "Count"),
        "AnomalyRatePercent": (rate, "Percent"),
        "BatchSeconds": (seconds, "Seconds"),
    }
    return [{"MetricName": k, "Value": float(v), "Unit": u, "Dimensions": dimensions} for k, (v, u) in values.items()]
