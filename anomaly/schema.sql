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

-- The anomaly score of the reading (0-1; rule is its reason). Added by the scoring model: rows written before it
-- keep a null score and their rule names of that time (ewma_z, hard_limit, rate_of_change, seasonal, ...).
ALTER TABLE anomalies ADD COLUMN IF NOT EXISTS score double precision CHECK (score >= 0 AND score <= 1);

GRANT SELECT, INSERT, UPDATE ON anomalies TO anomaly_writer;

-- Alert episodes: one row per incident on a device x metric (anomaly/episodes.py), upserted by its deterministic id
-- as it opens, grows and closes; operators page on opened episodes, not on anomalous readings.
CREATE TABLE IF NOT EXISTS episodes (
    episode_id      text        PRIMARY KEY,
    device_id       text        NOT NULL,
    metric          text        NOT NULL,
    production_line text,
    start_ts        timestamptz NOT NULL,
    end_ts          timestamptz,
    last_anomaly_ts timestamptz NOT NULL,
    peak_severity   text        NOT NULL CHECK (peak_severity IN ('info', 'warning', 'critical')),
    rules           text[]      NOT NULL,
    first_value     double precision,
    peak_value      double precision,
    readings        integer     NOT NULL CHECK (readings > 0),
    status          text        NOT NULL CHECK (status IN ('open', 'closed')),
    updated_ts      timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'closed') = (end_ts IS NOT NULL))
);
CREATE INDEX IF NOT EXISTS episodes_open ON episodes (device_id, metric) WHERE status = 'open';
-- The highest anomaly score of the episode's readings (null for episodes written before scores).
ALTER TABLE episodes ADD COLUMN IF NOT EXISTS score double precision CHECK (score >= 0 AND score <= 1);

GRANT SELECT, INSERT, UPDATE ON episodes TO anomaly_writer;
