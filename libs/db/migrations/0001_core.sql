-- 0001 core: projects, API keys, events, consumer offsets.
-- Applied on every flavour (TimescaleDB and plain PostgreSQL). Flavour-specific DDL lives in
-- 0001_core.timescaledb.sql / 0001_core.postgres.sql and runs right after this file.

CREATE TABLE IF NOT EXISTS projects (
  id          text PRIMARY KEY,
  name        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO projects (id, name) VALUES ('default', 'Default project') ON CONFLICT (id) DO NOTHING;

-- API keys are stored hashed (SHA-256 of the full key); the plaintext is shown once at creation.
CREATE TABLE IF NOT EXISTS api_keys (
  id            text PRIMARY KEY,
  project_id    text NOT NULL REFERENCES projects (id),
  name          text NOT NULL,
  key_hash      text NOT NULL UNIQUE,
  key_prefix    text NOT NULL,
  scopes        text[] NOT NULL DEFAULT ARRAY['ingest', 'read'],
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_used_at  timestamptz,
  revoked_at    timestamptz
);
CREATE INDEX IF NOT EXISTS api_keys_project_idx ON api_keys (project_id);

-- One row per agent event: the canonical envelope (libs/domain) plus a full-text column.
-- The primary key (project_id, id, ts) is the idempotency key: replays of the same event
-- (Kafka redelivery, client retries with the same id and timestamp) insert nothing.
CREATE TABLE IF NOT EXISTS events (
  project_id             text NOT NULL,
  id                     text NOT NULL,
  ts                     timestamptz NOT NULL,
  received_at            timestamptz NOT NULL,
  source                 text NOT NULL,
  app                    text NOT NULL,
  agent_id               text,
  agent_type             text,
  session_id             text NOT NULL,
  event_type             text NOT NULL,
  severity               smallint NOT NULL,
  summary                text,
  payload                jsonb NOT NULL,
  trace_id               text,
  span_id                text,
  parent_span_id         text,
  duration_ms            double precision,
  status                 text,
  model                  text,
  provider               text,
  input_tokens           bigint,
  output_tokens          bigint,
  cache_read_tokens      bigint,
  cache_creation_tokens  bigint,
  cost_usd               double precision,
  tool_name              text,
  tags                   jsonb,
  attributes             jsonb,
  search                 tsvector,
  PRIMARY KEY (project_id, id, ts)
);

-- Indexes follow the filters of GET /events; every one leads with project_id because every
-- query is scoped by project.
CREATE INDEX IF NOT EXISTS events_project_ts_idx       ON events (project_id, ts DESC, id DESC);
CREATE INDEX IF NOT EXISTS events_session_idx          ON events (project_id, session_id, ts DESC);
CREATE INDEX IF NOT EXISTS events_app_idx              ON events (project_id, app, ts DESC);
CREATE INDEX IF NOT EXISTS events_event_type_idx       ON events (project_id, event_type, ts DESC);
CREATE INDEX IF NOT EXISTS events_agent_idx            ON events (project_id, agent_id, ts DESC) WHERE agent_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_trace_idx            ON events (project_id, trace_id, ts) WHERE trace_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS events_severity_idx         ON events (project_id, severity, ts DESC) WHERE severity >= 2;
CREATE INDEX IF NOT EXISTS events_search_idx           ON events USING gin (search);
CREATE INDEX IF NOT EXISTS events_tags_idx             ON events USING gin (tags jsonb_path_ops);

-- Kafka consumer positions, written in the SAME transaction as the rows a batch produced
-- (effectively-once). NOTE: infrastructure state, not tenant data, so no project_id.
CREATE TABLE IF NOT EXISTS consumer_offsets (
  group_id     text NOT NULL,
  topic        text NOT NULL,
  partition    integer NOT NULL,
  next_offset  bigint NOT NULL,
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (group_id, topic, partition)
);
