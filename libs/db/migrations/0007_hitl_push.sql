-- 0007 human in the loop and Web Push.
--
-- hitl_requests: one row per event that asks a person something (`humanInTheLoop`), keyed by
-- the event id and written by the event pipeline in the SAME transaction as the event, from
-- newly stored events only (a replayed batch writes nothing twice). The answer is written by
-- the api, once: `UPDATE … WHERE status = 'pending' AND expires_at > now()`, so two answers
-- racing each other or an answer racing the expiry give exactly one outcome.
--
-- settings: small process-wide values every process must agree on, such as the VAPID key
-- pair generated on first use when VAPID_* are not set (INSERT … ON CONFLICT DO NOTHING,
-- then read: every api and worker ends up with the same pair).
--
-- channels.kind gains `webpush`: a browser's push subscription is a channel, so alerts reach
-- it through the delivery outbox (retries, SSRF guard, the delivery log, redelivery).
--
-- Plain tables on every flavour; no flavour variants.

CREATE TABLE IF NOT EXISTS hitl_requests (
  project_id         text NOT NULL,
  -- The id of the event that asked.
  id                 text NOT NULL,
  status             text NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'responded', 'timeout', 'cancelled')),
  type               text NOT NULL CHECK (type IN ('question', 'permission', 'choice')),
  question           text NOT NULL,
  -- jsonb array of strings for `choice`, else NULL.
  choices            jsonb,
  requires_response  boolean NOT NULL DEFAULT true,
  app                text NOT NULL,
  session_id         text NOT NULL,
  agent_id           text,
  -- The server's receive time of the event; expires_at = created_at + the request's timeout.
  created_at         timestamptz NOT NULL,
  expires_at         timestamptz NOT NULL,
  -- The DIS HumanInTheLoopResponse: {response | permission | choice, respondedAt, respondedBy}.
  response           jsonb,
  responded_by       text,
  responded_at       timestamptz,
  PRIMARY KEY (project_id, id)
);

-- GET /hitl/requests: newest first, optionally by status, session or app.
CREATE INDEX IF NOT EXISTS hitl_requests_recent_idx
  ON hitl_requests (project_id, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS hitl_requests_session_idx
  ON hitl_requests (project_id, session_id, created_at DESC);
-- The lazy expiry (pending → timeout) only looks at pending rows.
CREATE INDEX IF NOT EXISTS hitl_requests_pending_idx
  ON hitl_requests (project_id, expires_at) WHERE status = 'pending';

CREATE TABLE IF NOT EXISTS settings (
  key         text PRIMARY KEY,
  value       jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE channels DROP CONSTRAINT IF EXISTS channels_kind_check;
ALTER TABLE channels ADD CONSTRAINT channels_kind_check
  CHECK (kind IN ('webhook', 'slack', 'discord', 'pagerduty', 'alertmanager', 'webpush'));
