-- Plain PostgreSQL: the same relation names and columns as the TimescaleDB continuous
-- aggregates, as views over events (computed at query time; no materialisation). Retention
-- is a batched DELETE run by the maintenance loop.

-- time_bucket for fixed intervals (minutes, hours, days), so the application's and analysts'
-- SQL runs on both flavours. Origin as TimescaleDB's default (a Monday, UTC midnight).
CREATE OR REPLACE FUNCTION time_bucket(bucket_width interval, ts timestamptz) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT date_bin(bucket_width, ts, timestamptz '2000-01-03 00:00:00+00')
$$;

CREATE OR REPLACE VIEW agent_stats_1m AS
SELECT time_bucket(INTERVAL '1 minute', ts) AS bucket,
       project_id,
       app,
       coalesce(agent_id, '') AS agent_id,
       event_type,
       count(*) AS events,
       count(*) FILTER (WHERE severity >= 3 OR status = 'error') AS errors,
       count(duration_ms) AS duration_count,
       sum(duration_ms) AS duration_sum,
       min(duration_ms) AS duration_min,
       max(duration_ms) AS duration_max,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms) AS duration_p50,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) AS duration_p95,
       percentile_cont(0.99) WITHIN GROUP (ORDER BY duration_ms) AS duration_p99,
       coalesce(sum(input_tokens), 0) AS input_tokens,
       coalesce(sum(output_tokens), 0) AS output_tokens,
       coalesce(sum(cost_usd), 0) AS cost_usd,
       max(ts) AS last_seen
  FROM events
 GROUP BY 1, 2, 3, 4, 5;

CREATE OR REPLACE VIEW agent_stats_1h AS
SELECT time_bucket(INTERVAL '1 hour', ts) AS bucket,
       project_id, app, coalesce(agent_id, '') AS agent_id, event_type,
       count(*) AS events,
       count(*) FILTER (WHERE severity >= 3 OR status = 'error') AS errors,
       count(duration_ms) AS duration_count,
       sum(duration_ms) AS duration_sum,
       min(duration_ms) AS duration_min,
       max(duration_ms) AS duration_max,
       coalesce(sum(input_tokens), 0) AS input_tokens,
       coalesce(sum(output_tokens), 0) AS output_tokens,
       coalesce(sum(cost_usd), 0) AS cost_usd,
       max(ts) AS last_seen
  FROM events
 GROUP BY 1, 2, 3, 4, 5;

CREATE OR REPLACE VIEW agent_stats_1d AS
SELECT time_bucket(INTERVAL '1 day', ts) AS bucket,
       project_id, app, coalesce(agent_id, '') AS agent_id, event_type,
       count(*) AS events,
       count(*) FILTER (WHERE severity >= 3 OR status = 'error') AS errors,
       count(duration_ms) AS duration_count,
       sum(duration_ms) AS duration_sum,
       min(duration_ms) AS duration_min,
       max(duration_ms) AS duration_max,
       coalesce(sum(input_tokens), 0) AS input_tokens,
       coalesce(sum(output_tokens), 0) AS output_tokens,
       coalesce(sum(cost_usd), 0) AS cost_usd,
       max(ts) AS last_seen
  FROM events
 GROUP BY 1, 2, 3, 4, 5;

CREATE OR REPLACE VIEW latency_hist_1m AS
SELECT time_bucket(INTERVAL '1 minute', ts) AS bucket, project_id, app,
       coalesce(agent_id, '') AS agent_id,
       ceil(ln(greatest(duration_ms, 0.001)) / ln(1.2))::int AS idx, count(*) AS n
  FROM events WHERE duration_ms IS NOT NULL
 GROUP BY 1, 2, 3, 4, 5;

CREATE OR REPLACE VIEW latency_hist_1h AS
SELECT time_bucket(INTERVAL '1 hour', ts) AS bucket, project_id, app,
       coalesce(agent_id, '') AS agent_id,
       ceil(ln(greatest(duration_ms, 0.001)) / ln(1.2))::int AS idx, count(*) AS n
  FROM events WHERE duration_ms IS NOT NULL
 GROUP BY 1, 2, 3, 4, 5;

CREATE OR REPLACE VIEW latency_hist_1d AS
SELECT time_bucket(INTERVAL '1 day', ts) AS bucket, project_id, app,
       coalesce(agent_id, '') AS agent_id,
       ceil(ln(greatest(duration_ms, 0.001)) / ln(1.2))::int AS idx, count(*) AS n
  FROM events WHERE duration_ms IS NOT NULL
 GROUP BY 1, 2, 3, 4, 5;

CREATE OR REPLACE VIEW latency_hist_app_1m AS
SELECT time_bucket(INTERVAL '1 minute', ts) AS bucket, project_id, app,
       ceil(ln(greatest(duration_ms, 0.001)) / ln(1.2))::int AS idx, count(*) AS n
  FROM events WHERE duration_ms IS NOT NULL
 GROUP BY 1, 2, 3, 4;

CREATE OR REPLACE VIEW latency_hist_app_1h AS
SELECT time_bucket(INTERVAL '1 hour', ts) AS bucket, project_id, app,
       ceil(ln(greatest(duration_ms, 0.001)) / ln(1.2))::int AS idx, count(*) AS n
  FROM events WHERE duration_ms IS NOT NULL
 GROUP BY 1, 2, 3, 4;

CREATE OR REPLACE VIEW latency_hist_app_1d AS
SELECT time_bucket(INTERVAL '1 day', ts) AS bucket, project_id, app,
       ceil(ln(greatest(duration_ms, 0.001)) / ln(1.2))::int AS idx, count(*) AS n
  FROM events WHERE duration_ms IS NOT NULL
 GROUP BY 1, 2, 3, 4;

-- Retention and window rebuilds select on time alone; TimescaleDB has this index per chunk.
CREATE INDEX IF NOT EXISTS events_ts_idx ON events (ts DESC);
