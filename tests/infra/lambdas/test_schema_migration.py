"""The schema migration (infra/lambdas/schema_migration.py): statements split as PostgreSQL reads them, applied in
one transaction, a failure rolled back and named."""

from __future__ import annotations

import shutil

import pytest

from infra.lambdas import schema_migration as migration
from tests.conftest import PROJECT

SCRIPT = """
-- a comment; with a semicolon
CREATE TABLE t (a text DEFAULT 'x;y', "we;ird" int);
/* block; comment */
DO $$ BEGIN PERFORM 1; END $$;
DO $body$ BEGIN RAISE NOTICE 'a $$ b;'; END $body$;
INSERT INTO t VALUES ('it''s; fine')
"""


def test_statements_split_outside_quotes_comments_and_dollar_quotes():
    statements = migration.split_statements(SCRIPT)
    assert len(statements) == 4
    assert statements[0] == "CREATE TABLE t (a text DEFAULT 'x;y', \"we;ird\" int)"
    assert statements[1] == "DO $$ BEGIN PERFORM 1; END $$"
    assert statements[2].startswith("DO $body$") and statements[2].endswith("$body$")
    assert statements[3] == "INSERT INTO t VALUES ('it''s; fine')"
    shipped = migration.split_statements((PROJECT / "anomaly" / "schema.sql").read_text())
    assert shipped and all(s.strip() for s in shipped)
    for bad in ("SELECT 'open", "DO $$ BEGIN", "/* open"):
        with pytest.raises(migration.MigrationError, match="unterminated"):
            migration.split_statements(bad)


class FakeDataApi:
    def __init__(self, fail_at: int | None = None):
        self.fail_at, self.calls = fail_at, []

    def begin_transaction(self, **kwargs):
        self.calls.append(("begin", kwargs))
        return {"transactionId": "tx"}

    def execute_statement(self, **kwargs):
        self.calls.append(("execute", kwargs))
        if self.fail_at is not None and len([c for c in self.calls if c[0] == "execute"]) == self.fail_at:
            raise RuntimeError("permission denied for schema public")

    def commit_transaction(self, **kwargs):
        self.calls.append(("commit", kwargs))

    def rollback_transaction(self, **kwargs):
        self.calls.append(("rollback", kwargs))


@pytest.fixture
def target(monkeypatch, tmp_path):
    monkeypatch.setenv("CLUSTER_ARN", "arn:aws:rds:eu-central-1:111122223333:cluster:c")
    monkeypatch.setenv("SECRET_ARN", "arn:aws:secretsmanager:eu-central-1:111122223333:secret:s")
    monkeypatch.setenv("DATABASE_NAME", "sensors")
    schema = tmp_path / "schema.sql"
    shutil.copyfile(PROJECT / "anomaly" / "schema.sql", schema)
    monkeypatch.setattr(migration, "SCHEMA", schema)
    return schema


def test_migration_applies_every_statement_in_one_transaction(target):
    api = FakeDataApi()
    result = migration.handler({}, None, api)
    executed = [c[1] for c in api.calls if c[0] == "execute"]
    assert result["statements"] == len(executed) == len(migration.split_statements(target.read_text()))
    assert all(c["transactionId"] == "tx" and c["database"] == "sensors" for c in executed)
    assert api.calls[0][0] == "begin" and api.calls[-1][0] == "commit"


def test_a_failed_statement_rolls_back_and_names_itself(target):
    api = FakeDataApi(fail_at=2)
    with pytest.raises(migration.MigrationError, match=r"statement 2 of \d+ failed: permission denied"):
        migration.handler({}, None, api)
    assert api.calls[-1][0] == "rollback" and not [c for c in api.calls if c[0] == "commit"]
    target.write_text("-- nothing but a comment\n")
    with pytest.raises(migration.MigrationError, match="no statement"):
        migration.handler({}, None, FakeDataApi())
