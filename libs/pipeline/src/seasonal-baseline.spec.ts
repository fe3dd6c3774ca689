import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { seriesKey } from '@fleetscope/analytics';
import { EventsRepository, migrate, PgliteSqlClient } from '@fleetscope/db';
import { sampleEnvelope, type EventEnvelope } from '@fleetscope/domain';
import { RollupSeasonalBaseline } from './seasonal-baseline';

const DAY = 86_400_000;
const HOUR = 3_600_000;

function event(id: string, app: string, tsMs: number, tokens: number): EventEnvelope {
  const ts = new Date(tsMs).toISOString();
  return sampleEnvelope({
    id,
    project_id: 'p',
    ts,
    received_at: ts,
    app,
    session_id: 's',
    event_type: 'step',
    payload: {},
    input_tokens: tokens,
    output_tokens: 0,
  });
}

// Frozen time: "now" is 10:30 UTC on a fixed day; history lies on the four days before.
describe('RollupSeasonalBaseline (embedded TimescaleDB, 1h rollups)', () => {
  const today = Date.UTC(2026, 10, 20);
  const now = today + 10 * HOUR + 30 * 60_000;
  let db: PgliteSqlClient;

  before(async () => {
    db = await PgliteSqlClient.open();
    await migrate(db);
    const events: EventEnvelope[] = [];
    for (let d = 1; d <= 4; d++) {
      // "office": 30 events between 10:00 and 11:00 every day, each with 10 tokens.
      for (let i = 0; i < 30; i++) {
        events.push(event(`o-${d}-${i}`, 'office', today - d * DAY + 10 * HOUR + i * 60_000, 10));
      }
    }
    // "newcomer": only yesterday and the day before, 60 events in the 10 o'clock hour.
    for (let d = 1; d <= 2; d++) {
      for (let i = 0; i < 60; i++) {
        events.push(event(`n-${d}-${i}`, 'newcomer', today - d * DAY + 10 * HOUR + i * 1000, 0));
      }
    }
    // Today's events are not history.
    events.push(event('today', 'office', today + 10 * HOUR, 0));
    await db.transaction((tx) => new EventsRepository().insertBatch(tx, events));
  });
  after(async () => db.close());

  it('gives the per-minute rate of the same hour on each previous day, zeros included', async () => {
    const seasonal = new RollupSeasonalBaseline();
    assert.equal(seasonal.isStale(now), true);
    await seasonal.reload(db, now);
    assert.equal(seasonal.isStale(now), false);
    assert.equal(seasonal.isStale(now + HOUR), true);

    const office = seriesKey({ level: 'app', project_id: 'p', app: 'office' });
    assert.deepEqual(seasonal.values(office, 'events_per_min', now), [0.5, 0.5, 0.5, 0.5]);
    assert.deepEqual(seasonal.values(office, 'tokens_per_min', now), [5, 5, 5, 5]);
    // 03:00: the office agent existed those days and was quiet: zeros, not "unknown".
    assert.deepEqual(seasonal.values(office, 'events_per_min', today + 3 * HOUR), [0, 0, 0, 0]);
    // The project total adds both apps.
    const project = seriesKey({ level: 'project', project_id: 'p' });
    assert.deepEqual(seasonal.values(project, 'events_per_min', now), [0.5, 0.5, 1.5, 1.5]);
    // A series only counts the days since it first appeared.
    const newcomer = seriesKey({ level: 'app', project_id: 'p', app: 'newcomer' });
    assert.deepEqual(seasonal.values(newcomer, 'events_per_min', now), [1, 1]);
    // No seasonal latency, and nothing for unknown series.
    assert.equal(seasonal.values(office, 'p95_ms', now), undefined);
    assert.equal(seasonal.values('["app","p","nobody"]', 'events_per_min', now), undefined);
  });
});
