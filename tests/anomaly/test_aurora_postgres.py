"""The Aurora sink against a real PostgreSQL server (TLS only, ssl_min_protocol_version = TLSv1.2): the schema as
the migration applies it, the job as the least-privilege role, idempotent upserts, a password rotated mid-run, and
the refusal of a server whose certificate the job cannot verify."""

from __future__ import annotations

import ssl
from pathlib import Path

import pg8000.native
import pytest

from anomaly.aurora import APP_ROLE, AuroraSink, ConfigError, Login, password_credentials, tls_context
from tests.anomaly.pg_server import DATABASE

SCHEMA = Path(__file__).resolve().parents[2] / "anomaly" / "schema.sql"
T0 = 1_767_225_600_000_000  # 2026-01-01T00:00:00Z in epoch microseconds (what the job hands over)


class DataApiOverPg8000:
    """The RDS Data API calls the stack's migration makes, carried out on the test server as the superuser."""

    def __init__(self, server):
        self.connection = pg8000.native.Connection(
            "postgres",
            password=server.password,
            host="localhost",
            port=server.port,
            database=DATABASE,
            ssl_context=tls_context(server.pki.ca),
        )
        self.statements = 0

    def begin_transaction(self, **target):
        self.connection.run("BEGIN")
        return {"transactionId": "t1"}

    def execute_statement(self, sql, transactionId, **target):
        self.connection.run(sql)
        self.statements += 1

    def commit_transaction(self, **target):
        self.connection.run("COMMIT")

    def rollback_transaction(self, **target):
        self.connection.run("ROLLBACK")


@pytest.fixture(scope="module")
def database(postgres):
    # The stack's migration (infra/migration/schema_migration.py) applies anomaly/schema.sql statement by statement
    # through the Data API as the master user: here its very handler, its calls carried out on the real server.
    migration = pytest.importorskip("infra.lambdas.schema_migration")
    api = DataApiOverPg8000(postgres)
    env = {"CLUSTER_ARN": "arn:cluster", "SECRET_ARN": "arn:secret", "DATABASE_NAME": DATABASE}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(migration, "SCHEMA", SCHEMA)
        for key, value in env.items():
            patch.setenv(key, value)
        for _ in range(2):  # and again: every statement may run on a migrated database
            assert migration.handler({}, None, client=api)["statements"] == 9
    api.connection.close()
    postgres.psql(file=SCHEMA)  # psql reads the file whole: the same schema, a third time
    password = {"current": "first-password"}
    postgres.psql(f"ALTER ROLE {APP_ROLE} PASSWORD '{password['current']}'")
    return postgres, password


def _sink(server, credentials, ca=None, host="localhost"):
    context = tls_context(ca or server.pki.ca)
    return AuroraSink(host, DATABASE, credentials, pg8000.native.Connection, context, port=server.port)


def _anomaly(event_id="e-1", rule="spike", **extra):
    row = {
        "event_id": event_id,
        "rule": rule,
        "device_id": "press-0001",
        "production_line": "line-1",
        "metric": "temperature",
        "value": 95.0,
        "expected_low": 58.0,
        "expected_high": 62.0,
        "severity": "critical",
        "score": 0.97,
        "message": "spike: 12.0 deviations from the expected 60",
        "event_ts": T0,
        "detected_ts": T0 + 5,
    }
    return {**row, **extra}


def _episode(**extra):
    record = {
        "episode_id": "0b7f3f0c-5d55-5d2b-9d4e-6f8d2a0c1e11",
        "device_id": "press-0001",
        "metric": "temperature",
        "production_line": "line-1",
        "start_ts": T0,
        "end_ts": None,
        "last_anomaly_ts": T0 + 10_000_000,
        "peak_severity": "warning",
        "rules": ["spike"],
        "score": 0.6,
        "first_value": 80.0,
        "peak_value": 80.0,
        "readings": 2,
        "status": "open",
        "opened": True,
    }
    return {**record, **extra}


def test_schema_is_idempotent_and_the_job_role_cannot_change_it(database):
    server, password = database
    assert server.psql("SHOW ssl_min_protocol_version") == "TLSv1.2"
    grants = server.psql(
        "SELECT table_name || ':' || string_agg(privilege_type, ',' ORDER BY privilege_type) "
        f"FROM information_schema.role_table_grants WHERE grantee = '{APP_ROLE}' GROUP BY table_name ORDER BY 1"
    )
    assert grants.splitlines() == ["anomalies:INSERT,SELECT,UPDATE", "episodes:INSERT,SELECT,UPDATE"]
    connection = pg8000.native.Connection(
        APP_ROLE,
        password=password["current"],
        host="localhost",
        port=server.port,
        database=DATABASE,
        ssl_context=tls_context(server.pki.ca),
    )
    try:
        for statement in (
            "CREATE TABLE intruder (x int)",
            "DROP TABLE anomalies",
            "ALTER TABLE episodes ADD COLUMN x int",
            "DELETE FROM anomalies",
            "TRUNCATE episodes",
        ):
            with pytest.raises(pg8000.native.DatabaseError) as refused:
                connection.run(statement)
            assert refused.value.args[0]["C"] in {"42501", "42P01"}, statement  # insufficient privilege
        ssl_row = connection.run("SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        assert ssl_row[0][0] is True and ssl_row[0][1] in {"TLSv1.2", "TLSv1.3"}
    finally:
        connection.close()


def test_anomaly_and_episode_upserts_are_idempotent_on_a_real_server(database):
    server, password = database
    sink = _sink(server, password_credentials(APP_ROLE, lambda: password["current"]))
    anomalies = [_anomaly(), _anomaly(rule="gap", expected_low=None, expected_high=None, message=None, score=0.1)]
    episode = _episode()
    assert sink.upsert_alerts(anomalies, [episode]) == {"anomalies": 2, "episodes": 1}
    assert sink.upsert_alerts(anomalies, [episode]) == {"anomalies": 2, "episodes": 1}  # the batch re-run
    assert server.psql("SELECT count(*) FROM anomalies WHERE device_id = 'press-0001'") == "2"
    assert server.psql("SELECT count(*) FROM episodes") == "1"
    # The same reading and reason again with a new value updates the row; an event time travels as UTC.
    sink.upsert_anomalies([_anomaly(value=97.5, score=0.99)])
    assert (
        server.psql(
            "SELECT value || ' ' || score || ' ' || to_char(event_ts AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') "
            "FROM anomalies WHERE event_id = 'e-1' AND rule = 'spike'"
        )
        == "97.5 0.99 2026-01-01 00:00:00"
    )
    # A score outside 0..1 is refused by the table's check (a broken writer cannot store nonsense).
    with pytest.raises(pg8000.native.DatabaseError):
        sink.upsert_anomalies([_anomaly(event_id="e-2", score=1.5)])
    # The episode grows, then closes; a replay of an older record changes nothing; a closed episode is final.
    grown = _episode(readings=5, peak_severity="critical", rules=["out_of_range", "spike"], peak_value=190.0, score=1.0)
    closed = {**grown, "end_ts": T0 + 2_000_000_000, "status": "closed", "opened": False}
    sink.upsert_alerts([], [grown])
    sink.upsert_alerts([], [closed])
    sink.upsert_alerts([], [episode])  # older: fewer readings, and the row is closed
    sink.upsert_alerts([], [{**closed, "readings": 9, "status": "open", "end_ts": None}])
    row = server.psql(
        "SELECT status, readings, peak_severity, array_to_string(rules, '+'), peak_value, score, "
        "extract(epoch FROM end_ts - start_ts) FROM episodes"
    )
    assert row == "closed|5|critical|out_of_range+spike|190|1|2000.000000"


def test_a_password_rotated_mid_run_is_fetched_again(database):
    server, password = database
    reads = []

    def read_password():
        reads.append(password["current"])
        return password["current"]

    sink = _sink(server, password_credentials(APP_ROLE, read_password, ttl_s=3600))
    assert sink.upsert_anomalies([_anomaly("e-rotation-1")]) == 1
    password["current"] = "second-password"  # the rotation: the database and the source change ...
    server.psql(f"ALTER ROLE {APP_ROLE} PASSWORD '{password['current']}'")
    assert sink.upsert_anomalies([_anomaly("e-rotation-2")]) == 1  # ... the cached one is refused, read again
    assert reads == ["first-password", "second-password"] and sink.credentials.fetches == 2
    server.psql(f"ALTER ROLE {APP_ROLE} PASSWORD 'third-password'")  # and a source that lags: a clear failure
    with pytest.raises(pg8000.native.DatabaseError) as refused:
        sink.upsert_anomalies([_anomaly("e-rotation-3")])
    assert refused.value.args[0]["C"] == "28P01" and "password" not in repr(sink.credentials.get())
    server.psql(f"ALTER ROLE {APP_ROLE} PASSWORD '{password['current']}'")


def test_an_untrusted_server_or_a_plaintext_connection_is_refused(database):
    server, password = database
    credentials = password_credentials(APP_ROLE, lambda: password["current"])
    with pytest.raises(ssl.SSLCertVerificationError, match="certificate verify failed"):
        _sink(server, credentials, ca=server.pki.other_ca).upsert_anomalies([_anomaly("e-untrusted")])
    # The server's certificate names localhost only: the same server reached as 127.0.0.1 is refused (a DNS name
    # that points the job at another server would be, too).
    with pytest.raises(ssl.SSLCertVerificationError, match=r"IP address mismatch|Hostname mismatch"):
        _sink(server, credentials, host="127.0.0.1").upsert_anomalies([_anomaly("e-mismatch")])
    # The server refuses plaintext (as rds.force_ssl = 1 does) ...
    with pytest.raises(pg8000.native.DatabaseError) as refused:
        pg8000.native.Connection(
            APP_ROLE,
            password=password["current"],
            host="localhost",
            port=server.port,
            database=DATABASE,
            ssl_context=False,
        )
    assert "no encryption" in str(refused.value)
    # ... and the sink never offers it, nor TLS without verification (pg8000's reading of ssl_context=None).
    unverified = ssl.create_default_context()
    unverified.check_hostname, unverified.verify_mode = False, ssl.CERT_NONE
    for context in (None, False, unverified):
        with pytest.raises(ConfigError, match="verifies the server certificate"):
            AuroraSink("localhost", DATABASE, credentials, pg8000.native.Connection, context, port=server.port)
    assert server.psql("SELECT count(*) FROM anomalies WHERE event_id IN ('e-untrusted', 'e-mismatch')") == "0"


def test_login_never_shows_the_secret():
    assert "hunter2" not in repr(Login("anomaly_writer", "hunter2")) and "anomaly_writer" in repr(
        Login("anomaly_writer")
    )


def test_without_the_server_the_tests_say_why(tmp_path):
    from tests.anomaly.pg_server import find_binaries

    folder, why = find_binaries(tmp_path, which=lambda _: None)
    assert folder is None and "scripts/bootstrap" in why and "apt-get install postgresql" in why
    (tmp_path / "15" / "bin").mkdir(parents=True)
    for tool in ("initdb", "pg_ctl", "postgres"):
        (tmp_path / "15" / "bin" / tool).touch()
    assert find_binaries(tmp_path, which=lambda _: None) == (None, "psql is missing (Debian package postgresql-client)")
    (tmp_path / "15" / "bin" / "psql").touch()
    assert find_binaries(tmp_path, which=lambda _: None) == (tmp_path / "15" / "bin", "")
