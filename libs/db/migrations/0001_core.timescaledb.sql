-- TimescaleDB: events become a hypertable on event time, one-day chunks.
-- migrate_data covers a database that stored events before the extension was installed.
SELECT create_hypertable('events', by_range('ts', INTERVAL '1 day'), if_not_exists => TRUE, migrate_data => TRUE);
