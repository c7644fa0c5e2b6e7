-- The monitoring database's schema: applied once per deploy by the stack's migration (from inside the VPC, as the
-- master user), never by the job. Idempotent: every statement may run again on an already migrated database.
-- The job connects as the application role below (IAM database authentication on Aurora, a password in local tests)
-- and may only read and write its own tables.

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
);

DO $$
BEGIN
    CREATE ROLE anomaly_writer LOGIN;
EXCEPTION WHEN duplicate_object THEN NULL;
END
$$;

-- On Aurora, membership of rds_iam makes the role log in with IAM tokens only; plain PostgreSQL has no such role.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rds_iam') THEN
        GRANT rds_iam TO anomaly_writer;
    END IF;
END
$$;

GRANT SELECT, INSERT, UPDATE ON anomalies TO anomaly_writer;
