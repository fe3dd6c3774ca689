-- 0006 the SQL console: saved queries, the `analyst` schema and role, and the index a live
-- resume reads by.
--
-- A console statement (WebSocket `query`, POST /query) runs in a READ ONLY transaction as the
-- role fleetscope_analyst, with search_path = analyst, pg_catalog and the setting
-- fleetscope.project_id made by the server from the API key (set_config(..., true) before
-- SET LOCAL ROLE). The role holds SELECT on the views below and nothing else: the base tables,
-- api_keys and the channels' secrets are out of its reach, and every view keeps the rows of
-- one project only. The views are security barriers, so a condition the caller writes (a
-- cast that fails and prints the value, say) is never evaluated on another project's rows.
--
-- What stops a statement from switching projects: a SELECT cannot run SET, and
-- set_config(text, text, boolean) is revoked from PUBLIC below (kept for the owner). At query
-- time the api refuses to run anything (query_forbidden) while the role could still call
-- set_config. NOTE: revoking needs a superuser (the owner of pg_catalog's functions); on a
-- managed server where the application's user is not one, the REVOKE only warns and the
-- console stays unavailable until a DBA runs the statements in docs/operations.md ("SQL
-- console"). The same goes for creating the role (CREATEROLE) and for every other step
-- wrapped in a DO block here: none of them may fail the migration.
--
-- Plain SQL on every flavour: agent_stats_* are continuous aggregates on TimescaleDB and views
-- on PostgreSQL; the analyst views read them by name either way.

CREATE TABLE IF NOT EXISTS saved_queries (
  project_id   text NOT NULL,
  id           text NOT NULL,
  name         text NOT NULL,
  sql          text NOT NULL,
  description  text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project_id, id)
);
-- Names are unique per project (409 on a second "errors by app").
CREATE UNIQUE INDEX IF NOT EXISTS saved_queries_name_idx ON saved_queries (project_id, name);

-- A subscription resuming from a cursor reads the events received after it, in
-- (received_at, ts, id) order; the index gives the range and the first order key (an
-- incremental sort does the rest). received_at only grows, so inserts append to its right edge.
CREATE INDEX IF NOT EXISTS events_received_idx ON events (project_id, received_at);

CREATE SCHEMA IF NOT EXISTS analyst;

-- NOTE: current_setting without missing_ok: outside the console (setting never made) a view
-- errors instead of answering, and after a console transaction the setting reverts to ''.
CREATE OR REPLACE VIEW analyst.events WITH (security_barrier) AS
SELECT project_id, id, ts, received_at, source, app, agent_id, agent_type, session_id,
       event_type, severity, summary, payload, trace_id, span_id, parent_span_id, duration_ms,
       status, model, provider, input_tokens, output_tokens, cache_read_tokens,
       cache_creation_tokens, cost_usd, tool_name, tags, attributes
  FROM public.events
 WHERE project_id = current_setting('fleetscope.project_id');

CREATE OR REPLACE VIEW analyst.sessions WITH (security_barrier) AS
SELECT s.* FROM public.sessions s WHERE s.project_id = current_setting('fleetscope.project_id');

CREATE OR REPLACE VIEW analyst.traces WITH (security_barrier) AS
SELECT t.* FROM public.traces t WHERE t.project_id = current_setting('fleetscope.project_id');

CREATE OR REPLACE VIEW analyst.agent_stats_1m WITH (security_barrier) AS
SELECT a.* FROM public.agent_stats_1m a WHERE a.project_id = current_setting('fleetscope.project_id');

CREATE OR REPLACE VIEW analyst.agent_stats_1h WITH (security_barrier) AS
SELECT a.* FROM public.agent_stats_1h a WHERE a.project_id = current_setting('fleetscope.project_id');

CREATE OR REPLACE VIEW analyst.agent_stats_1d WITH (security_barrier) AS
SELECT a.* FROM public.agent_stats_1d a WHERE a.project_id = current_setting('fleetscope.project_id');

CREATE OR REPLACE VIEW analyst.anomalies WITH (security_barrier) AS
SELECT a.* FROM public.anomalies a WHERE a.project_id = current_setting('fleetscope.project_id');

CREATE OR REPLACE VIEW analyst.alert_rules WITH (security_barrier) AS
SELECT r.* FROM public.alert_rules r WHERE r.project_id = current_setting('fleetscope.project_id');

CREATE OR REPLACE VIEW analyst.alert_instances WITH (security_barrier) AS
SELECT a.* FROM public.alert_instances a WHERE a.project_id = current_setting('fleetscope.project_id');

CREATE OR REPLACE VIEW analyst.alert_events WITH (security_barrier) AS
SELECT a.* FROM public.alert_events a WHERE a.project_id = current_setting('fleetscope.project_id');

-- The role: cluster-wide, so it may exist already (another database of the same server).
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'fleetscope_analyst') THEN
    CREATE ROLE fleetscope_analyst NOLOGIN;
  END IF;
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'SQL console: cannot create role fleetscope_analyst (%): the console stays unavailable', SQLERRM;
END
$$;

-- SET LOCAL ROLE needs membership (superusers need none). PostgreSQL 16 gives a CREATEROLE
-- creator ADMIN but not always SET, hence the explicit grant.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'fleetscope_analyst')
     AND NOT pg_has_role(current_user, 'fleetscope_analyst', 'MEMBER') THEN
    EXECUTE format('GRANT fleetscope_analyst TO %I', current_user);
  END IF;
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'SQL console: cannot grant fleetscope_analyst to % (%)', current_user, SQLERRM;
END
$$;

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'fleetscope_analyst') THEN
    GRANT USAGE ON SCHEMA analyst TO fleetscope_analyst;
    GRANT SELECT ON ALL TABLES IN SCHEMA analyst TO fleetscope_analyst;
  END IF;
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'SQL console: cannot grant the analyst views (%)', SQLERRM;
END
$$;

-- Keep set_config for the owner (the api sets the project with it), take it from everyone
-- else. The sleeps go too: the embedded database cannot interrupt a statement (its
-- statement_timeout has no timer), so a console pg_sleep would stall the whole process.
DO $$
BEGIN
  EXECUTE format('GRANT EXECUTE ON FUNCTION pg_catalog.set_config(text, text, boolean) TO %I', current_user);
  REVOKE EXECUTE ON FUNCTION pg_catalog.set_config(text, text, boolean) FROM PUBLIC;
  REVOKE EXECUTE ON FUNCTION pg_catalog.pg_sleep(double precision) FROM PUBLIC;
  REVOKE EXECUTE ON FUNCTION pg_catalog.pg_sleep_for(interval) FROM PUBLIC;
  REVOKE EXECUTE ON FUNCTION pg_catalog.pg_sleep_until(timestamp with time zone) FROM PUBLIC;
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'SQL console: cannot revoke set_config from PUBLIC (%)', SQLERRM;
END
$$;
