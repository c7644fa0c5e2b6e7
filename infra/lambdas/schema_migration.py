"""Applies the monitoring database's schema (anomaly/schema.sql, shipped beside this file) once per deploy, from
inside the VPC, through the RDS Data API as the RDS-managed master user. Every statement is idempotent, so a
re-run on a migrated database changes nothing; each statement runs in one transaction with the others."""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path
from typing import Any

import boto3

LOG = logging.getLogger()
LOG.setLevel(logging.INFO)
SCHEMA = Path(__file__).resolve().parent / "schema.sql"


class MigrationError(Exception):
    """The schema could not be applied; the deploy fails with this message."""


def split_statements(sql: str) -> list[str]:
    """Split a SQL script on top-level semicolons, outside quotes, dollar quotes and comments."""
    statements, current, i, n = [], [], 0, len(sql)
    while i < n:
        ch = sql[i]
        if sql.startswith("--", i):
            end = sql.find("\n", i)
            i = n if end < 0 else end + 1
            continue
        if sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            if end < 0:
                raise MigrationError("unterminated /* comment in the schema")
            i = end + 2
            continue
        if ch in ("'", '"'):
            end = i + 1
            while True:
                end = sql.find(ch, end)
                if end < 0:
                    raise MigrationError(f"unterminated {ch} quote in the schema")
                if sql.startswith(ch * 2, end):  # '' escapes a quote
                    end += 2
                    continue
                break
            current.append(sql[i : end + 1])
            i = end + 1
            continue
        if ch == "$":
            tag_end = sql.find("$", i + 1)
            tag = sql[i : tag_end + 1] if tag_end > 0 else ""
            if tag and (tag == "$$" or tag[1:-1].replace("_", "a").isalnum()):
                close = sql.find(tag, tag_end + 1)
                if close < 0:
                    raise MigrationError(f"unterminated dollar quote {tag} in the schema")
                current.append(sql[i : close + len(tag)])
                i = close + len(tag)
                continue
        if ch == ";":
            statement = "".join(current).strip()
            if statement:
                statements.append(statement)
            current = []
            i += 1
            continue
        current.append(ch)
        i += 1
    tail = "".join(current).strip()
    if tail:
        statements.append(tail)
    return statements


def handler(event: dict[str, Any], context: Any, client: Any = None) -> dict[str, Any]:
    client = client or boto3.client("rds-data")
    sql = SCHEMA.read_text()
    statements = split_statements(sql)
    if not statements:
        raise MigrationError(f"{SCHEMA.name} holds no statement")
    target = {
        "resourceArn": os.environ["CLUSTER_ARN"],
        "secretArn": os.environ["SECRET_ARN"],
        "database": os.environ["DATABASE_NAME"],
    }
    transaction = client.begin_transaction(**target)["transactionId"]
    try:
        for number, statement in enumerate(statements, start=1):
            try:
                client.execute_statement(**target, sql=statement, transactionId=transaction)
            except Exception as error:
                raise MigrationError(f"statement {number} of {len(statements)} failed: {error}") from None
    except Exception:
        client.rollback_transaction(
            resourceArn=target["resourceArn"], secretArn=target["secretArn"], transactionId=transaction
        )
        raise
    client.commit_transaction(
        resourceArn=target["resourceArn"], secretArn=target["secretArn"], transactionId=transaction
    )
    digest = hashlib.sha256(sql.encode()).hexdigest()
    LOG.info("applied %d statements of schema %s", len(statements), digest)
    return {"statements": len(statements), "schema_sha256": digest}
