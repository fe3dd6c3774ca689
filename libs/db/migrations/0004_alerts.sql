-- 0004 alerts: rules, alert instances and their timeline, silences. Every table is scoped by
-- project_id (first column of every key and index). Channels and the delivery outbox are in
-- 0005.

-- A rule is its normalised spec (libs/domain AlertRuleSpec) as jsonb: the evaluator and the
-- API read it whole; nothing queries inside it. Deleting a rule keeps the row (deleted_at) so
-- alert history still names it, and so a deleted default rule is not re-created at start.
CREATE TABLE IF NOT EXISTS alert_rules (
  project_id   text NOT NULL,
  id           text NOT NULL,
  spec         jsonb NOT NULL,
  default_key  text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  deleted_at   timestamptz,
  PRIMARY KEY (project_id, id)
);
CREATE UNIQUE INDEX IF NOT EXISTS alert_rules_default_idx ON alert_rules (project_id, default_key) WHERE default_key IS NOT NULL;

-- One row per alert episode of a (rule, group), identified across restarts by its
-- fingerprint (a hash of rule id and group). At most one open (pending or firing) row per
-- fingerprint: the dedup the unique index enforces.
CREATE TABLE IF NOT EXISTS alert_instances (
  project_id        text NOT NULL,
  id                text NOT NULL,
  rule_id           text NOT NULL,
  rule_name         text NOT NULL,
  condition         text NOT NULL,
  threshold         double precision NOT NULL,
  fingerprint       text NOT NULL,
  status            text NOT NULL,
  severity          text NOT NULL,
  group_labels      jsonb NOT NULL,
  labels            jsonb NOT NULL,
  annotations       jsonb NOT NULL,
  value             double precision,
  started_at        timestamptz NOT NULL,
  fired_at          timestamptz,
  resolved_at       timestamptz,
  acknowledged_at   timestamptz,
  acknowledged_by   text,
  last_notified_at  timestamptz,
  updated_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project_id, id)
);
CREATE UNIQUE INDEX IF NOT EXISTS alert_instances_open_idx ON alert_instances (project_id, fingerprint) WHERE status IN ('pending', 'firing');
CREATE INDEX IF NOT EXISTS alert_instances_recent_idx ON alert_instances (project_id, started_at DESC, id DESC);

-- The timeline of an alert: every transition, acknowledgement and manual action.
CREATE TABLE IF NOT EXISTS alert_events (
  project_id  text NOT NULL,
  id          bigserial,
  alert_id    text NOT NULL,
  at          timestamptz NOT NULL,
  action      text NOT NULL,
  value       double precision,
  actor       text,
  note        text,
  PRIMARY KEY (project_id, id)
);
CREATE INDEX IF NOT EXISTS alert_events_alert_idx ON alert_events (project_id, alert_id, at);

CREATE TABLE IF NOT EXISTS silences (
  project_id  text NOT NULL,
  id          text NOT NULL,
  matchers    jsonb NOT NULL,
  starts_at   timestamptz NOT NULL,
  ends_at     timestamptz NOT NULL,
  created_by  text,
  comment     text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  deleted_at  timestamptz,
  PRIMARY KEY (project_id, id)
);
CREATE INDEX IF NOT EXISTS silences_active_idx ON silences (project_id, ends_at) WHERE deleted_at IS NULL;
