// Times one stream-analytics tick's window work over a realistic fleet:
// `node bench/profile-windows.mjs [events] [sessions]`. The bench workload (normalised) is
// observed by the sliding windows spread over the last 15 minutes, as a worker holds it after
// a restart; then the tick's snapshot (every series and window) is timed over many rounds.
import { SlidingWindows } from '@fleetscope/analytics';
import { normalizeEvents } from '@fleetscope/domain';
import { makeWorkload } from './lib.mjs';

const total = Number(process.argv[2] ?? 50_000);
const now = Date.now();
const raw = makeWorkload(5, total).map((e, i) => ({
  ...e,
  timestamp: new Date(now - 900_000 + Math.floor((i / total) * 895_000)).toISOString(),
}));
const { events } = normalizeEvents(raw, {
  projectId: 'default',
  receivedAt: new Date(now),
  maxEventBytes: 1 << 20,
  maxBatchEvents: total,
});
const windows = new SlidingWindows();
for (const e of events) windows.observe(e, Date.parse(e.ts) - 1);
const sizes = windows.sizes();
const at = now + 3_000;
const rounds = 30;
const measure = (label, fn) => {
  fn(); // warm-up
  const t0 = performance.now();
  let rows = 0;
  for (let i = 0; i < rounds; i++) rows = fn();
  const ms = (performance.now() - t0) / rounds;
  console.log(`${label.padEnd(44)} ${ms.toFixed(1).padStart(7)} ms/tick  ${rows} rows`);
};
console.log(
  `${events.length} events, ${sizes.series} series, ${sizes.slots} slots, ${sizes.minutes} minutes`,
);
measure('snapshot, every series', () => windows.snapshot(at).length);
measure(
  'snapshot, project/app/agent',
  () => windows.snapshot(at, { levels: ['project', 'app', 'agent'] }).length,
);
if (typeof windows.snapshotTop === 'function') {
  measure('snapshotTop, 200 sessions', () => windows.snapshotTop(at, 'session', 200).length);
}
