-- TimescaleDB: hierarchical continuous aggregates 1m → 1h → 1d with real-time aggregation
-- (materialized_only = false: the newest, not yet materialised buckets are computed from the
-- level below at query time, so answers are exact up to the last event).
-- Refresh policies are static here; retention and compression depend on RETENTION_DAYS and
-- ROLLUP_RETENTION_DAYS and are (re)applied at start-up by applyStoragePolicies().

CREATE MATERIALIZED VIEW IF NOT EXISTS agent_stats_1m
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
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
 GROUP BY 1, 2, 3, 4, 5
WITH NO DATA;

CREATE MATERIALIZED VIEW IF NOT EXISTS agent_stats_1h
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket(INTERVAL '1 hour', bucket) AS bucket,
       project_id, app, agent_id, event_type,
       sum(events)::bigint AS events,
       sum(errors)::bigint AS errors,
       sum(duration_count)::bigint AS duration_count,
       sum(duration_sum) AS duration_sum,
       min(duration_min) AS duration_min,
       max(duration_max) AS duration_max,
       sum(input_tokens)::bigint AS input_tokens,
       sum(output_tokens)::bigint AS output_tokens,
       sum(cost_usd) AS cost_usd,
       max(last_seen) AS last_seen
  FROM agent_stats_1m
 GROUP BY 1, 2, 3, 4, 5
WITH NO DATA;

CREATE MATERIALIZED VIEW IF NOT EXISTS agent_stats_1d
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket(INTERVAL '1 day', bucket) AS bucket,
       project_id, app, agent_id, event_type,
       sum(events)::bigint AS events,
       sum(errors)::bigint AS errors,
       sum(duration_count)::bigint AS duration_count,
       sum(duration_sum) AS duration_sum,
       min(duration_min) AS duration_min,
       max(duration_max) AS duration_max,
       sum(input_tokens)::bigint AS input_tokens,
       sum(output_tokens)::bigint AS output_tokens,
       sum(cost_usd) AS cost_usd,
       max(last_seen) AS last_seen
  FROM agent_stats_1h
 GROUP BY 1, 2, 3, 4, 5
WITH NO DATA;

CREATE MATERIALIZED VIEW IF NOT EXISTS latency_hist_1m
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket(INTERVAL '1 minute', ts) AS bucket,
       project_id,
       app,
       coalesce(agent_id, '') AS agent_id,
       ceil(ln(greatest(duration_ms, 0.001)) / ln(1.2))::int AS idx,
       count(*) AS n
  FROM events
 WHERE duration_ms IS NOT NULL
 GROUP BY 1, 2, 3, 4, 5
WITH NO DATA;

CREATE MATERIALIZED VIEW IF NOT EXISTS latency_hist_1h
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket(INTERVAL '1 hour', bucket) AS bucket,
       project_id, app, agent_id, idx,
       sum(n)::bigint AS n
  FROM latency_hist_1m
 GROUP BY 1, 2, 3, 4, 5
WITH NO DATA;

CREATE MATERIALIZED VIEW IF NOT EXISTS latency_hist_1d
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket(INTERVAL '1 day', bucket) AS bucket,
       project_id, app, agent_id, idx,
       sum(n)::bigint AS n
  FROM latency_hist_1h
 GROUP BY 1, 2, 3, 4, 5
WITH NO DATA;

-- The same histograms per app only: the fleet-wide and per-app percentiles (the dashboard's
-- most frequent) read ~10x fewer rows than from the per-agent ones.
CREATE MATERIALIZED VIEW IF NOT EXISTS latency_hist_app_1m
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket(INTERVAL '1 minute', ts) AS bucket,
       project_id,
       app,
       ceil(ln(greatest(duration_ms, 0.001)) / ln(1.2))::int AS idx,
       count(*) AS n
  FROM events
 WHERE duration_ms IS NOT NULL
 GROUP BY 1, 2, 3, 4
WITH NO DATA;

CREATE MATERIALIZED VIEW IF NOT EXISTS latency_hist_app_1h
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket(INTERVAL '1 hour', bucket) AS bucket, project_id, app, idx, sum(n)::bigint AS n
  FROM latency_hist_app_1m
 GROUP BY 1, 2, 3, 4
WITH NO DATA;

CREATE MATERIALIZED VIEW IF NOT EXISTS latency_hist_app_1d
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket(INTERVAL '1 day', bucket) AS bucket, project_id, app, idx, sum(n)::bigint AS n
  FROM latency_hist_app_1h
 GROUP BY 1, 2, 3, 4
WITH NO DATA;

-- Refresh windows: 1m re-materialises the last 3 days (events arriving that late are rare;
-- an insert into an already materialised bucket is logged as an invalidation and the next
-- run inside the window recomputes just that bucket). Coarser levels follow the level below.
SELECT add_continuous_aggregate_policy('agent_stats_1m', start_offset => INTERVAL '3 days', end_offset => INTERVAL '1 minute', schedule_interval => INTERVAL '1 minute', if_not_exists => TRUE);
SELECT add_continuous_aggregate_policy('latency_hist_app_1m', start_offset => INTERVAL '3 days', end_offset => INTERVAL '1 minute', schedule_interval => INTERVAL '1 minute', if_not_exists => TRUE);
SELECT add_continuous_aggregate_policy('latency_hist_1m', start_offset => INTERVAL '3 days', end_offset => INTERVAL '1 minute', schedule_interval => INTERVAL '1 minute', if_not_exists => TRUE);
SELECT add_continuous_aggregate_policy('agent_stats_1h', start_offset => INTERVAL '4 days', end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '10 minutes', if_not_exists => TRUE);
SELECT add_continuous_aggregate_policy('latency_hist_app_1h', start_offset => INTERVAL '4 days', end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '10 minutes', if_not_exists => TRUE);
SELECT add_continuous_aggregate_policy('latency_hist_1h', start_offset => INTERVAL '4 days', end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '10 minutes', if_not_exists => TRUE);
SELECT add_continuous_aggregate_policy('agent_stats_1d', start_offset => INTERVAL '35 days', end_offset => INTERVAL '1 day', schedule_interval => INTERVAL '1 hour', if_not_exists => TRUE);
SELECT add_continuous_aggregate_policy('latency_hist_app_1d', start_offset => INTERVAL '35 days', end_offset => INTERVAL '1 day', schedule_interval => INTERVAL '1 hour', if_not_exists => TRUE);
SELECT add_continuous_aggregate_policy('latency_hist_1d', start_offset => INTERVAL '35 days', end_offset => INTERVAL '1 day', schedule_interval => INTERVAL '1 hour', if_not_exists => TRUE);

-- Raw events compress by project (segment) in time order; the compression policy is added by
-- applyStoragePolicies() (after one day).
ALTER TABLE events SET (timescaledb.compress, timescaledb.compress_segmentby = 'project_id', timescaledb.compress_orderby = 'ts DESC, id DESC');

SELECT create_hypertable('anomalies', by_range('first_seen', INTERVAL '7 days'), if_not_exists => TRUE, migrate_data => TRUE);
