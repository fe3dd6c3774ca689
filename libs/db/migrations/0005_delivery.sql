-- 0005 delivery: notification channels, the delivery outbox and its attempt log.
--
-- The alert evaluator writes one `webhook_deliveries` row per (transition, channel) in the
-- SAME transaction as the transition (a transactional outbox), then pokes the delivery queue
-- after the commit. The row, not the queue, is the source of truth: attempts, the next
-- attempt's time and the outcome live here, so a lost queue job, a flushed Redis or a killed
-- worker loses nothing (the outbox relay re-enqueues due rows). See docs/data.md,
-- "Alert delivery".
--
-- Plain tables on every flavour (rows are updated in place); no flavour variants.

CREATE TABLE IF NOT EXISTS channels (
  project_id                  text NOT NULL,
  id                          text NOT NULL,
  name                        text NOT NULL,
  kind                        text NOT NULL
                              CHECK (kind IN ('webhook', 'slack', 'discord', 'pagerduty', 'alertmanager')),
  -- Validated by the kind's zod schema (libs/domain/src/alerting/channel.schema.ts).
  config                      jsonb NOT NULL,
  -- Standard Webhooks signing secret, `whsec_<base64>`. During a rotation the previous one
  -- keeps signing too (space-separated signatures) until previous_secret_expires_at.
  secret                      text NOT NULL,
  previous_secret             text,
  previous_secret_expires_at  timestamptz,
  send_resolved               boolean NOT NULL DEFAULT true,
  enabled                     boolean NOT NULL DEFAULT true,
  -- Set when delivery disabled the channel (a 410 Gone); cleared when it is re-enabled.
  disabled_reason             text,
  -- Slack and Discord: the earliest time the channel's next message may go out. Shared by
  -- every process, so the per-channel rate limit holds across workers.
  rate_next_at                timestamptz,
  -- A receiver's 429 Retry-After: nothing goes to the channel before this, reserved slots
  -- included.
  rate_hold_until             timestamptz,
  created_at                  timestamptz NOT NULL DEFAULT now(),
  updated_at                  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project_id, id)
);

-- Names are unique per project: the `default` channel (WEBHOOK_URL) is upserted by name.
CREATE UNIQUE INDEX IF NOT EXISTS channels_name_idx ON channels (project_id, name);

CREATE TABLE IF NOT EXISTS webhook_deliveries (
  project_id       text NOT NULL,
  -- Also the Standard Webhooks `webhook-id`: the same on every attempt and redelivery.
  id               text NOT NULL,
  -- No foreign keys to alerts or channels: the evaluator's transaction must never fail
  -- because a channel was deleted meanwhile (the processor fails such a row instead).
  alert_id         text,
  transition_id    text,
  channel_id       text NOT NULL,
  kind             text NOT NULL DEFAULT 'alert' CHECK (kind IN ('alert', 'test')),
  -- The AlertNotification (libs/domain/src/alerting/notification.schema.ts), unformatted:
  -- each channel kind renders it at send time.
  payload          jsonb NOT NULL,
  status           text NOT NULL DEFAULT 'pending'
                   CHECK (status IN ('pending', 'delivering', 'delivered', 'failed', 'dead', 'skipped')),
  -- Attempts of the current cycle (the retry policy counts these; a redeliver resets them)
  -- and of the row's whole life (numbers the rows of delivery_attempts).
  attempts         integer NOT NULL DEFAULT 0,
  total_attempts   integer NOT NULL DEFAULT 0,
  -- NULL: WEBHOOK_MAX_ATTEMPTS. Channel tests use 1.
  max_attempts     integer,
  -- When the next attempt is due (pending rows); NULL once the row is final.
  next_attempt_at  timestamptz DEFAULT now(),
  -- While `delivering`: the attempt's lease. A worker killed mid-attempt leaves the row
  -- `delivering`; once the lease has passed, the relay and the queue may take it again.
  locked_until     timestamptz,
  -- A slot of the channel's rate limit reserved by this row (Slack, Discord).
  rate_slot_at     timestamptz,
  last_status      integer,
  last_error       text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  delivered_at     timestamptz,
  PRIMARY KEY (project_id, id)
);

-- NOTE: the queue job carries only the delivery id and one worker serves every project, so
-- the processor looks rows up by id alone. Ids are random UUIDs, unique across projects.
CREATE UNIQUE INDEX IF NOT EXISTS webhook_deliveries_id_idx ON webhook_deliveries (id);
-- One row per (transition, channel): a replayed evaluation enqueues nothing twice.
CREATE UNIQUE INDEX IF NOT EXISTS webhook_deliveries_transition_idx
  ON webhook_deliveries (project_id, transition_id, channel_id) WHERE transition_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS webhook_deliveries_recent_idx
  ON webhook_deliveries (project_id, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS webhook_deliveries_alert_idx
  ON webhook_deliveries (project_id, alert_id, created_at DESC) WHERE alert_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS webhook_deliveries_channel_idx
  ON webhook_deliveries (project_id, channel_id, created_at DESC);
-- NOTE: the relay sweeps every project's due rows, so this one does not lead with project_id.
-- Partial: only rows that still have work to do are in it.
CREATE INDEX IF NOT EXISTS webhook_deliveries_due_idx
  ON webhook_deliveries (next_attempt_at) WHERE status IN ('pending', 'delivering');

CREATE TABLE IF NOT EXISTS delivery_attempts (
  project_id        text NOT NULL,
  delivery_id       text NOT NULL,
  attempt           integer NOT NULL,
  started_at        timestamptz NOT NULL,
  duration_ms       integer NOT NULL,
  -- NULL when no response came (timeout, connection refused, refused by the SSRF guard).
  http_status       integer,
  error             text,
  -- The first KiB of the response body, cut on a character boundary.
  response_excerpt  text CHECK (octet_length(response_excerpt) <= 1024),
  PRIMARY KEY (project_id, delivery_id, attempt),
  FOREIGN KEY (project_id, delivery_id) REFERENCES webhook_deliveries (project_id, id)
    ON DELETE CASCADE
);
