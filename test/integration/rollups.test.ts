import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  EventsRepository,
  migrate,
  PgliteSqlClient,
  PgSqlClient,
  planSegments,
  RollupsRepository,
  StorageMaintenance,
  type SqlClient,
  type StatsRow,
} from '@fleetscope/db';
import { sampleEnvelope, type EventEnvelope } from '@fleetscope/domain';
import { createTestDatabase } from '../support/database';

/**
 * Golden workload: 640 events every 317 s from 2026-11-20T20:50Z (≈ 56 h, crossing hours and
 * days), deterministic mix of apps, agents, types, errors (by severity and by status),
 * durations and tokens. Expected figures are computed here from the same list, and the
 * rollups must match them exactly on both flavours, before and after materialisation.
 */
const BASE = Date.UTC(2026, 10, 20, 20, 50, 0);
const STEP_MS = 317_000;
const N = 640;

function golden(): EventEnvelope[] {
  return Array.from({ length: N }, (_, i) => event(i, BASE + i * STEP_MS));
}

function event(i: number, tsMs: number, idPrefix = 'g'): EventEnvelope {
  const errorType = i % 7 === 0;
  const statusError = i % 11 === 0;
  return sampleEnvelope({
    id: `${idPrefix}-${i}`,
    project_id: 'golden',
    ts: new Date(tsMs).toISOString(),
    received_at: new Date(tsMs).toISOString(),
    app: i % 3 === 0 ? 'beta' : 'alpha',
    agent_id: [null, 'a1', 'a2', 'a3', 'a1'][i % 5] ?? null,
    session_id: `s-${i % 9}`,
    event_type: errorType ? 'error' : i % 2 ? 'llm_call' : 'tool',
    severity: errorType ? 3 : 1,
    payload: {},
    // .5 steps are exact in binary: sums compare exactly.
    duration_ms: i % 4 === 0 ? null : ((i * 37) % 5000) + 0.5,
    status: statusError ? 'error' : null,
    input_tokens: i % 100,
    output_tokens: i % 6 === 0 ? null : i % 50,
    cost_usd: (i % 13) * 0.001,
  });
}

const isError = (e: EventEnvelope): boolean => e.severity >= 3 || e.status === 'error';
const sketchIdx = (ms: number): number => Math.ceil(Math.log(Math.max(ms, 0.001)) / Math.log(1.2));

interface Expected {
  events: number;
  errors: number;
  duration_count: number;
  duration_sum: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
}

function expectedBy(
  events: EventEnvelope[],
  fromMs: number,
  toMs: number,
  key: (e: EventEnvelope) => string,
): Map<string, Expected> {
  const out = new Map<string, Expected>();
  for (const e of events) {
    const t = Date.parse(e.ts);
    if (t < fromMs || t >= toMs) continue;
    const k = key(e);
    const x = out.get(k) ?? {
      events: 0,
      errors: 0,
      duration_count: 0,
      duration_sum: 0,
      input_tokens: 0,
      output_tokens: 0,
      cost_usd: 0,
    };
    x.events += 1;
    x.errors += isError(e) ? 1 : 0;
    if (e.duration_ms !== null) {
      x.duration_count += 1;
      x.duration_sum += e.duration_ms;
    }
    x.input_tokens += e.input_tokens ?? 0;
    x.output_tokens += e.output_tokens ?? 0;
    x.cost_usd += e.cost_usd ?? 0;
    out.set(k, x);
  }
  return out;
}

function assertStats(rows: StatsRow[], expected: Map<string, Expected>, key: keyof StatsRow): void {
  assert.deepEqual(rows.map((r) => String(r[key])).sort(), [...expected.keys()].sort());
  for (const r of rows) {
    const x = expected.get(String(r[key]))!;
    const label = `${String(key)}=${String(r[key])}`;
    assert.equal(r.events, x.events, `${label} events`);
    assert.equal(r.errors, x.errors, `${label} errors`);
    assert.equal(r.duration_count, x.duration_count, `${label} duration_count`);
    assert.equal(r.duration_sum, x.duration_sum, `${label} duration_sum`);
    assert.equal(r.input_tokens, x.input_tokens, `${label} input_tokens`);
    assert.equal(r.output_tokens, x.output_tokens, `${label} output_tokens`);
    assert.ok(Math.abs(r.cost_usd - x.cost_usd) < 1e-9, `${label} cost_usd`);
  }
}

async function refreshAll(db: SqlClient): Promise<void> {
  for (const view of [
    'agent_stats_1m',
    'latency_hist_1m',
    'latency_hist_app_1m',
    'agent_stats_1h',
    'latency_hist_1h',
    'latency_hist_app_1h',
    'agent_stats_1d',
    'latency_hist_1d',
    'latency_hist_app_1d',
  ]) {
    await db.query(`CALL refresh_continuous_aggregate($1::regclass, NULL, NULL)`, [view]);
  }
}

function exerciseRollups(open: () => Promise<{ db: SqlClient; close: () => Promise<void> }>): void {
  const rollups = new RollupsRepository();
  const events = golden();
  // A range with ragged edges: widened to whole minutes, stitched from 1m, 1h and 1d.
  const start = BASE + 13 * 60_000 + 17_000;
  const end = BASE + 54 * 3_600_000 + 3 * 60_000 + 5_000;
  const from = Math.floor(start / 60_000) * 60_000;
  const to = Math.ceil(end / 60_000) * 60_000;
  const segments = planSegments(start, end);
  let db: SqlClient;
  let close: () => Promise<void>;
  let flavor: string;

  before(async () => {
    ({ db, close } = await open());
    flavor = (await migrate(db)).flavor;
    // Inserted in three shuffled batches: arrival order must not matter.
    const shuffled = [...events].sort(
      (a, b) =>
        ((a.id.length * 7 + a.id.charCodeAt(2)) % 5) - ((b.id.length * 7 + b.id.charCodeAt(2)) % 5),
    );
    const repo = new EventsRepository();
    for (let i = 0; i < shuffled.length; i += 250)
      await db.transaction((tx) => repo.insertBatch(tx, shuffled.slice(i, i + 250)));
  });
  after(async () => close());

  const check = async (label: string): Promise<void> => {
    const byApp = await rollups.stats(
      db,
      segments,
      { projectId: 'golden' },
      { dimensions: ['app'] },
    );
    assertStats(
      byApp,
      expectedBy(events, from, to, (e) => e.app),
      'app',
    );
    const byAgent = await rollups.stats(
      db,
      segments,
      { projectId: 'golden', app: ['alpha'] },
      { dimensions: ['agent_id'] },
    );
    assertStats(
      byAgent,
      expectedBy(
        events.filter((e) => e.app === 'alpha'),
        from,
        to,
        (e) => e.agent_id ?? '',
      ),
      'agent_id',
    );
    // Hourly series by event type over whole hours.
    const h0 = Math.ceil(start / 3_600_000) * 3_600_000;
    const hourly = await rollups.stats(
      db,
      [{ level: '1h', fromMs: h0, toMs: h0 + 30 * 3_600_000 }],
      { projectId: 'golden' },
      { dimensions: ['event_type'], intervalMs: 3_600_000 },
    );
    const expectedHourly = expectedBy(events, h0, h0 + 30 * 3_600_000, (e) => {
      const t = Math.floor(Date.parse(e.ts) / 3_600_000) * 3_600_000;
      return `${new Date(t).toISOString()}|${e.event_type}`;
    });
    assert.equal(hourly.length, expectedHourly.size, `${label}: hourly rows`);
    for (const r of hourly) {
      const x = expectedHourly.get(`${r.time}|${r.event_type}`);
      assert.ok(x, `${label}: unexpected hourly row ${r.time} ${r.event_type}`);
      assert.equal(r.events, x.events);
      assert.equal(r.errors, x.errors);
    }
    // Latency histogram: exact counts per sketch bucket.
    const hist = await rollups.histogram(
      db,
      segments,
      { projectId: 'golden' },
      { dimensions: ['app'] },
    );
    const expectedHist = new Map<string, number>();
    for (const e of events) {
      const t = Date.parse(e.ts);
      if (t < from || t >= to || e.duration_ms === null) continue;
      const k = `${e.app}|${sketchIdx(e.duration_ms)}`;
      expectedHist.set(k, (expectedHist.get(k) ?? 0) + 1);
    }
    assert.deepEqual(
      new Map(hist.map((h) => [`${h.app}|${h.idx}`, h.n])),
      expectedHist,
      `${label}: histogram`,
    );
    const perAgent = await rollups.histogram(
      db,
      segments,
      { projectId: 'golden', app: ['alpha'] },
      { dimensions: ['agent_id'] },
    );
    const expectedPerAgent = new Map<string, number>();
    for (const e of events) {
      const t = Date.parse(e.ts);
      if (t < from || t >= to || e.duration_ms === null || e.app !== 'alpha') continue;
      const k = `${e.agent_id ?? ''}|${sketchIdx(e.duration_ms)}`;
      expectedPerAgent.set(k, (expectedPerAgent.get(k) ?? 0) + 1);
    }
    assert.deepEqual(
      new Map(perAgent.map((h) => [`${h.agent_id}|${h.idx}`, h.n])),
      expectedPerAgent,
      `${label}: per-agent histogram`,
    );
  };

  it('stitches 1m, 1h and 1d segments over a ragged range', () => {
    assert.deepEqual(
      segments.map((s) => s.level),
      ['1m', '1h', '1d', '1h', '1m'],
    );
    assert.equal(segments[0]!.fromMs, from);
    assert.equal(segments.at(-1)!.toMs, to);
  });

  it('rollups equal the raw events exactly (real-time aggregation, nothing materialised)', async () => {
    await check('real-time');
    // The same question asked of raw events, in SQL.
    const raw = await db.query<{ app: string; n: string; errors: string }>(
      `SELECT app, count(*) AS n, count(*) FILTER (WHERE severity >= 3 OR status = 'error') AS errors
         FROM events WHERE project_id = 'golden' AND ts >= $1 AND ts < $2 GROUP BY app ORDER BY app`,
      [new Date(from).toISOString(), new Date(to).toISOString()],
    );
    const viaRollups = await rollups.stats(
      db,
      segments,
      { projectId: 'golden' },
      { dimensions: ['app'] },
    );
    assert.deepEqual(
      raw.rows.map((r) => [r.app, Number(r.n), Number(r.errors)]),
      viaRollups
        .sort((a, b) => a.app!.localeCompare(b.app!))
        .map((r) => [r.app, r.events, r.errors]),
    );
  });

  it('stays exact once materialised, and after a late event is refreshed in', async () => {
    if (flavor !== 'timescaledb') return; // plain PostgreSQL views are never stale
    await refreshAll(db);
    await check('materialised');
    // A late, out-of-order event into an already materialised minute, hour and day.
    const late = event(7, BASE + 20 * 3_600_000 + 5_000, 'late');
    events.push(late);
    await db.transaction((tx) => new EventsRepository().insertBatch(tx, [late]));
    // Not visible until the refresh: proof that the answers above came from materialised rows.
    const stale = await rollups.stats(db, segments, { projectId: 'golden' }, { dimensions: [] });
    assert.equal(stale[0]!.events, expectedBy(events, from, to, () => '').get('')!.events - 1);
    await refreshAll(db);
    await check('after late event');
  });
}

describe('rollups on embedded TimescaleDB (continuous aggregates)', () => {
  exerciseRollups(async () => {
    const db = await PgliteSqlClient.open();
    return { db, close: () => db.close() };
  });
});

describe('rollups on plain PostgreSQL (views)', () => {
  exerciseRollups(async () => {
    const { url, drop } = await createTestDatabase();
    const db = new PgSqlClient(url);
    return {
      db,
      close: async () => {
        await db.close();
        await drop();
      },
    };
  });
});

describe('retention on plain PostgreSQL (batched DELETE)', () => {
  it('deletes raw events past RETENTION_DAYS and keeps the rest', async () => {
    const { url, drop } = await createTestDatabase();
    const db = new PgSqlClient(url);
    try {
      assert.equal((await migrate(db)).flavor, 'postgres');
      const now = Date.now();
      const old = Array.from({ length: 25_000 }, (_, i) => event(i, now - 40 * 86_400_000, 'old'));
      const fresh = Array.from({ length: 10 }, (_, i) => event(i, now - 3_600_000, 'fresh'));
      const repo = new EventsRepository();
      for (let i = 0; i < old.length; i += 5000)
        await db.transaction((tx) => repo.insertBatch(tx, old.slice(i, i + 5000)));
      await db.transaction((tx) => repo.insertBatch(tx, fresh));
      const m = new StorageMaintenance(
        db,
        'postgres',
        { retentionDays: 30, rollupRetentionDays: 400 },
        { info: () => undefined, warn: () => undefined },
      );
      assert.equal(m.mode, 'batched-delete');
      // 25,000 rows: three batches of at most 10,000.
      assert.equal(await m.deleteExpired(now), 25_000);
      const left = await db.query<{ n: string }>('SELECT count(*) AS n FROM events');
      assert.equal(Number(left.rows[0]!.n), 10);
      assert.equal(await m.deleteExpired(now + 1000), 0, 'not due again within the hour');
    } finally {
      await db.close();
      await drop();
    }
  });
});
