-- 0002 rollups: the anomalies table (both flavours). The rollups themselves are flavour
-- specific: continuous aggregates on TimescaleDB (0002_rollups.timescaledb.sql), plain views
-- with the same names and columns on PostgreSQL (0002_rollups.postgres.sql).
--
-- What counts as an error everywhere (rollups, windows, sessions): severity >= 3 (error,
-- fatal) or status = 'error'.
-- Latency percentiles: a per-minute exact percentile cannot be merged into hours or days, so
-- every level also keeps a log histogram (latency_hist_*, per app and agent): bucket
-- idx = ceil(ln(ms) / ln(1.2)) with ms floored at 0.001. Counts per idx add up exactly across
-- minutes, hours, days, apps and agents; a quantile read from them is within 9.1 % (relative)
-- of the exact value. The same mapping is SKETCH_GAMMA in libs/analytics. (γ = 1.2 and no
-- event-type dimension keep a day of 200 agents at ~130k histogram rows: see
-- docs/performance.md.)

-- One row per detected anomaly episode. An open anomaly is updated while it lasts (actual,
-- score, last_seen) and resolved once the series is normal again; never repeated.
CREATE TABLE IF NOT EXISTS anomalies (
  project_id    text NOT NULL,
  id            text NOT NULL,
  series_key    text NOT NULL,
  level         text NOT NULL,
  app           text,
  agent_id      text,
  session_id    text,
  kind          text NOT NULL,
  metric        text NOT NULL,
  window_label  text NOT NULL,
  baseline      text NOT NULL,
  actual        double precision NOT NULL,
  expected      double precision NOT NULL,
  lower_bound   double precision NOT NULL,
  upper_bound   double precision NOT NULL,
  score         double precision NOT NULL,
  severity      text NOT NULL,
  status        text NOT NULL,
  first_seen    timestamptz NOT NULL,
  last_seen     timestamptz NOT NULL,
  resolved_at   timestamptz,
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project_id, id, first_seen)
);
CREATE INDEX IF NOT EXISTS anomalies_recent_idx ON anomalies (project_id, first_seen DESC);
CREATE INDEX IF NOT EXISTS anomalies_open_idx ON anomalies (project_id, series_key, kind) WHERE status = 'open';
