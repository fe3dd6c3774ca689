// query: the dashboard's queries over 24 h of events, answered from the rollups (continuous
// aggregates 1m → 1h → 1d and latency histograms, exactly as the API runs them) beside the
// same answers computed from raw events. Embedded TimescaleDB (PGlite, all-in-one mode) on
// disk; the events are generated in SQL (this measures queries, not ingest).
//   full:  10,000,000 events over 24 h;  --quick: 1,000,000.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, percentile, report, ROOT } from '../lib.mjs';

const RUNS = 7;

export async function run({ quick }) {
  ensureBuilt();
  const { PgliteSqlClient, migrate, RollupsRepository, planSegments } = await import(
    join(ROOT, 'libs/db/dist/index.js')
  );
  const total = quick ? 1_000_000 : 10_000_000;
  const dir = mkdtempSync(join(tmpdir(), 'fleetscope-bench-query-'));
  const db = await PgliteSqlClient.open(join(dir, 'pglite'));
  try {
    await migrate(db);
    const end = Math.floor(Date.now() / 60_000) * 60_000;
    const start = end - 86_400_000;
    const stepMs = 86_400_000 / total;
    const t0 = performance.now();
    const chunk = 250_000;
    for (let from = 0; from < total; from += chunk) {
      // 20 apps × 10 agents, 5,000 sessions, 5 event types, 1 in 37 an error; durations
      // log-spread 20 ms – 3 s on two thirds of the events; tokens and cost on LLM calls.
      await db.query(
        `INSERT INTO events (project_id, id, ts, received_at, source, app, agent_id, session_id,
           event_type, severity, payload, duration_ms, status, input_tokens, output_tokens, cost_usd)
         SELECT 'bench', 'e' || g,
                to_timestamp(($1::float8 + g * $2::float8) / 1000),
                to_timestamp(($1::float8 + g * $2::float8) / 1000),
                'generic', 'app-' || (g % 20), 'agent-' || ((g / 20) % 10), 'sess-' || (g % 5000),
                (ARRAY['llm_call', 'tool', 'PreToolUse', 'PostToolUse', 'Stop'])[1 + g % 5],
                CASE WHEN g % 37 = 0 THEN 3 ELSE 1 END, '{}'::jsonb,
                CASE WHEN g % 3 = 0 THEN NULL ELSE exp(3 + (abs(hashint4(g::int)) % 1000) / 200.0) END,
                NULL,
                CASE WHEN g % 5 = 0 THEN abs(hashint4(g::int + 1)) % 4000 END,
                CASE WHEN g % 5 = 0 THEN abs(hashint4(g::int + 2)) % 800 END,
                CASE WHEN g % 5 = 0 THEN (abs(hashint4(g::int + 3)) % 1000) / 100000.0 END
           FROM generate_series($3::bigint, $4::bigint) AS g`,
        [start, stepMs, from, Math.min(from + chunk, total) - 1],
      );
      process.stderr.write(
        `\r  generated ${Math.min(from + chunk, total).toLocaleString()} events`,
      );
    }
    const loadS = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    for (const view of [
      'agent_stats_1m',
      'latency_hist_1m',
      'latency_hist_app_1m',
      'latency_hist_app_1m',
      'agent_stats_1h',
      'latency_hist_1h',
      'latency_hist_app_1h',
      'latency_hist_app_1h',
      'agent_stats_1d',
      'latency_hist_1d',
      'latency_hist_app_1d',
      'latency_hist_app_1d',
    ]) {
      await db.query('CALL refresh_continuous_aggregate($1::regclass, NULL, NULL)', [view]);
    }
    // What the all-in-one maintenance loop does every 30 minutes (no autovacuum in WASM).
    await db.query('ANALYZE');
    const refreshS = (performance.now() - t1) / 1000;
    process.stderr.write(
      `\n  loaded in ${loadS.toFixed(0)} s, rollups refreshed in ${refreshS.toFixed(0)} s\n`,
    );

    const rollups = new RollupsRepository();
    const p = { projectId: 'bench' };
    // A "last 24 h" that is not hour-aligned, as a dashboard asks it.
    const qEnd = end - 17 * 60_000;
    const qStart = qEnd - 86_400_000;
    const day = planSegments(qStart, qEnd);
    const hourStart = qEnd - 3_600_000;
    const iso = (ms) => new Date(ms).toISOString();
    const raw =
      (sql, extra = []) =>
      () =>
        db.query(sql, [
          'bench',
          iso(Math.floor(qStart / 60_000) * 60_000),
          iso(Math.ceil(qEnd / 60_000) * 60_000),
          ...extra,
        ]);
    const queries = [
      {
        name: '/analytics 24h: totals by app, agent, type',
        rollup: () => rollups.stats(db, day, p, { dimensions: ['app', 'agent_id', 'event_type'] }),
        raw: raw(`SELECT app, coalesce(agent_id, '') AS agent_id, event_type, count(*), count(*) FILTER (WHERE severity >= 3 OR status = 'error'),
                         count(duration_ms), sum(duration_ms), sum(input_tokens), sum(output_tokens), sum(cost_usd), max(ts)
                    FROM events WHERE project_id = $1 AND ts >= $2 AND ts < $3 GROUP BY 1, 2, 3`),
      },
      {
        name: '/analytics 24h: p95 by app',
        rollup: () => rollups.histogram(db, day, p, { dimensions: ['app'] }),
        raw: raw(`SELECT app, percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms)
                    FROM events WHERE project_id = $1 AND ts >= $2 AND ts < $3 GROUP BY 1`),
      },
      {
        name: '/agents 1h (default): totals by agent',
        rollup: () =>
          rollups.stats(db, planSegments(hourStart, qEnd), p, { dimensions: ['app', 'agent_id'] }),
        raw: () =>
          db.query(
            `SELECT app, agent_id, count(*), count(*) FILTER (WHERE severity >= 3 OR status = 'error'),
                    avg(duration_ms), sum(cost_usd), max(ts)
               FROM events WHERE project_id = $1 AND ts >= $2 AND ts < $3 GROUP BY 1, 2`,
            [
              'bench',
              iso(Math.floor(hourStart / 60_000) * 60_000),
              iso(Math.ceil(qEnd / 60_000) * 60_000),
            ],
          ),
      },
      {
        name: '/agents 24h: totals by agent',
        rollup: () => rollups.stats(db, day, p, { dimensions: ['app', 'agent_id'] }),
        raw: raw(`SELECT app, agent_id, count(*), count(*) FILTER (WHERE severity >= 3 OR status = 'error'),
                         avg(duration_ms), sum(cost_usd), max(ts)
                    FROM events WHERE project_id = $1 AND ts >= $2 AND ts < $3 GROUP BY 1, 2`),
      },
      {
        name: '/agents 24h ?percentiles=true: p95 by agent',
        optional: true,
        rollup: () => rollups.histogram(db, day, p, { dimensions: ['app', 'agent_id'] }),
        raw: raw(`SELECT app, agent_id, percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms)
                    FROM events WHERE project_id = $1 AND ts >= $2 AND ts < $3 GROUP BY 1, 2`),
      },
      {
        name: '/metrics/series events by app, 1h at 1m',
        rollup: () =>
          rollups.stats(
            db,
            [
              {
                level: '1m',
                fromMs: Math.floor(hourStart / 60_000) * 60_000,
                toMs: Math.ceil(qEnd / 60_000) * 60_000,
              },
            ],
            p,
            {
              dimensions: ['app'],
              intervalMs: 60_000,
            },
          ),
        raw: () =>
          db.query(
            `SELECT time_bucket('1 minute', ts), app, count(*) FROM events
              WHERE project_id = $1 AND ts >= $2 AND ts < $3 GROUP BY 1, 2`,
            [
              'bench',
              iso(Math.floor(hourStart / 60_000) * 60_000),
              iso(Math.ceil(qEnd / 60_000) * 60_000),
            ],
          ),
      },
      {
        name: '/metrics/series error rate by app, 24h at 1h',
        rollup: () =>
          rollups.stats(
            db,
            [
              {
                level: '1h',
                fromMs: Math.floor(qStart / 3_600_000) * 3_600_000,
                toMs: Math.ceil(qEnd / 3_600_000) * 3_600_000,
              },
            ],
            p,
            {
              dimensions: ['app'],
              intervalMs: 3_600_000,
            },
          ),
        raw: raw(`SELECT time_bucket('1 hour', ts), app, count(*), count(*) FILTER (WHERE severity >= 3 OR status = 'error')
                    FROM events WHERE project_id = $1 AND ts >= $2 AND ts < $3 GROUP BY 1, 2`),
      },
    ];
    const rows = [];
    let worstRollupMs = 0;
    for (const q of queries) {
      const time = async (fn, runs) => {
        const ms = [];
        for (let i = 0; i < runs; i++) {
          const s = performance.now();
          await fn();
          ms.push(performance.now() - s);
        }
        return ms.sort((a, b) => a - b);
      };
      await q.rollup(); // warm
      const r = await time(q.rollup, RUNS);
      const w = await time(q.raw, quick ? 3 : 2);
      const median = percentile(r, 50);
      // The headline is what a dashboard asks by default; opt-in queries are in the table.
      if (!q.optional) worstRollupMs = Math.max(worstRollupMs, median);
      rows.push({
        query: q.name,
        rollup_ms_p50: median.toFixed(1),
        rollup_ms_max: r[r.length - 1].toFixed(1),
        raw_ms_p50: percentile(w, 50).toFixed(0),
        speedup: `${(percentile(w, 50) / median).toFixed(0)}×`,
      });
    }
    report(
      'query',
      rows,
      {
        events: total,
        worst_default_query_ms_p50: Number(worstRollupMs.toFixed(1)),
        load_s: Number(loadS.toFixed(0)),
        refresh_s: Number(refreshS.toFixed(0)),
      },
      { database: 'PGlite + TimescaleDB (all-in-one), on disk' },
    );
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
