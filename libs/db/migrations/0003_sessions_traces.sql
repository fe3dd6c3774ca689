-- 0003 sessions and traces: per-session and per-trace summaries, maintained by the event
-- pipeline in the SAME transaction as the events they summarise (see event-pipeline.ts and
-- docs/data.md, "Sessions and traces"). Only newly stored events are merged, so a replayed
-- batch changes nothing; every merge rule is order-independent (sums, min/max, and "latest"
-- or "first" decided by event time with a fixed tie-break).
--
-- Plain tables on every flavour: a summary row is updated in place for as long as its
-- session or trace lives, which is not what hypertables (append-mostly, chunked by time) are
-- for. No flavour variants are needed.
--
-- NOTE: no spans table. A span's ids, time, duration and status are already columns of
-- `events`, so the span tree of a trace is built at read time from the trace's events
-- (events_trace_idx for client trace ids; events_session_idx for the sessions of Claude Code,
-- whose hook events carry no trace ids). Storing spans would write every traced event twice.

CREATE TABLE IF NOT EXISTS sessions (
  project_id             text NOT NULL,
  session_id             text NOT NULL,
  -- The app of the latest event; agent_id, agent_type, model and provider: the latest
  -- non-null value (by event time; the greater value on a tie), each with its event time.
  app                    text NOT NULL,
  agent_id               text,
  agent_id_at            timestamptz,
  agent_type             text,
  agent_type_at          timestamptz,
  model                  text,
  model_at               timestamptz,
  provider               text,
  provider_at            timestamptz,
  first_seen             timestamptz NOT NULL,
  last_seen              timestamptz NOT NULL,
  -- (last_seen, last_event_id) is the primary key of the latest event, so it is unique per
  -- project: the keyset of GET /sessions.
  last_event_id          text NOT NULL,
  last_event_type        text NOT NULL,
  -- active | completed (the latest event ends the session: SessionEnd, Stop, session_end…)
  -- | error (the latest event is an error). `idle` is derived at read time.
  status                 text NOT NULL CHECK (status IN ('active', 'completed', 'error')),
  events                 bigint NOT NULL,
  tool_calls             bigint NOT NULL,
  -- severity >= 3 or status = 'error', the rule of the rollups.
  errors                 bigint NOT NULL,
  input_tokens           bigint NOT NULL,
  output_tokens          bigint NOT NULL,
  cache_read_tokens      bigint NOT NULL,
  cache_creation_tokens  bigint NOT NULL,
  -- numeric, not double: a sum of doubles depends on the order of the additions, and the
  -- summary must not depend on the order batches arrive in.
  cost_usd               numeric NOT NULL,
  -- The first user prompt (UserPromptSubmit), whitespace collapsed, at most 200 characters.
  first_prompt           text,
  first_prompt_at        timestamptz,
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project_id, session_id)
);

CREATE INDEX IF NOT EXISTS sessions_recent_idx  ON sessions (project_id, last_seen DESC, last_event_id DESC);
CREATE INDEX IF NOT EXISTS sessions_app_idx     ON sessions (project_id, app, last_seen DESC);
CREATE INDEX IF NOT EXISTS sessions_agent_idx   ON sessions (project_id, agent_id, last_seen DESC) WHERE agent_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS sessions_status_idx  ON sessions (project_id, status, last_seen DESC);

CREATE TABLE IF NOT EXISTS traces (
  project_id      text NOT NULL,
  trace_id        text NOT NULL,
  -- false: the client's trace_id. true: a Claude Code session, trace_id 'claude-code:<session>'.
  derived         boolean NOT NULL,
  -- The root span: the earliest event without a parent span (derived: 'session').
  root_span_id    text,
  root_name       text,
  root_at         timestamptz,
  -- app (service) and session of the earliest event; (start_time, first_event_id) is that
  -- event's primary key, so it is unique per project: the keyset of GET /traces.
  app             text NOT NULL,
  session_id      text NOT NULL,
  first_event_id  text NOT NULL,
  start_time      timestamptz NOT NULL,
  -- Latest ts + duration_ms of the trace's events.
  end_time        timestamptz NOT NULL,
  duration_ms     double precision GENERATED ALWAYS AS (extract(epoch FROM (end_time - start_time))::double precision * 1000) STORED,
  span_count      integer NOT NULL,
  event_count     bigint NOT NULL,
  error_count     bigint NOT NULL,
  ok_count        bigint NOT NULL,
  status          text GENERATED ALWAYS AS (CASE WHEN error_count > 0 THEN 'error' WHEN ok_count > 0 THEN 'ok' ELSE 'unset' END) STORED,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project_id, trace_id)
);

CREATE INDEX IF NOT EXISTS traces_recent_idx   ON traces (project_id, start_time DESC, first_event_id DESC);
CREATE INDEX IF NOT EXISTS traces_session_idx  ON traces (project_id, session_id, start_time DESC);
CREATE INDEX IF NOT EXISTS traces_app_idx      ON traces (project_id, app, start_time DESC);
CREATE INDEX IF NOT EXISTS traces_status_idx   ON traces (project_id, status, start_time DESC);
