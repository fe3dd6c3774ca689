// storage: bytes per stored event, raw (heap + TOAST), with indexes, and after TimescaleDB
// compression, on the embedded TimescaleDB of all-in-one mode.
//   full: 200,000 events;  --quick: 20,000.
// The workload's payload text is drawn from a Zipf vocabulary of code, paths and prose
// (bench/lib.mjs), so it compresses like real tool inputs and prompts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, makeWorkload, report, ROOT } from '../lib.mjs';

export async function run({ quick }) {
  ensureBuilt();
  const { PgliteSqlClient, migrate } = await import(join(ROOT, 'libs/db/dist/index.js'));
  const { EventPipeline } = await import(join(ROOT, 'libs/pipeline/dist/index.js'));
  const { normalizeEvents } = await import(join(ROOT, 'libs/domain/dist/index.js'));
  const n = quick ? 20_000 : 200_000;
  const dir = mkdtempSync(join(tmpdir(), 'fleetscope-bench-storage-'));
  const db = await PgliteSqlClient.open(join(dir, 'pglite'));
  try {
    await migrate(db);
    const raw = makeWorkload(13, n);
    const wireBytes = raw.reduce((s, e) => s + Buffer.byteLength(JSON.stringify(e)), 0);
    const pipeline = new EventPipeline();
    for (let i = 0; i < n; i += 2000) {
      const { events, rejected } = normalizeEvents(raw.slice(i, i + 2000), {
        projectId: 'bench',
        receivedAt: new Date(),
        maxEventBytes: 1 << 20,
      });
      if (rejected.length > 0) throw new Error(`rejected: ${JSON.stringify(rejected[0])}`);
      await db.transaction((tx) => pipeline.process(tx, events));
    }
    await db.query('ANALYZE events');
    const size = async () =>
      (
        await db.query(
          `SELECT sum(table_bytes)::bigint AS heap, sum(index_bytes)::bigint AS idx,
                  sum(toast_bytes)::bigint AS toast, sum(total_bytes)::bigint AS total
             FROM hypertable_detailed_size('events')`,
        )
      ).rows[0];
    const before = await size();
    await db.query(
      `SELECT compress_chunk(c, if_not_compressed => TRUE) FROM show_chunks('events') c`,
    );
    const stats = (
      await db.query(
        `SELECT sum(before_compression_total_bytes)::bigint AS before,
                sum(after_compression_total_bytes)::bigint AS after
           FROM hypertable_compression_stats('events')`,
      )
    ).rows[0];
    const after = await size();
    const per = (b) => Math.round(Number(b) / n);
    const rows = [
      { what: 'JSON on the wire (as posted)', bytes_per_event: per(wireBytes) },
      {
        what: 'stored: heap + TOAST',
        bytes_per_event: per(Number(before.heap) + Number(before.toast)),
      },
      { what: 'stored: indexes (9, incl. full text and tags)', bytes_per_event: per(before.idx) },
      { what: 'stored: total', bytes_per_event: per(before.total) },
      {
        what: 'compressed: total (segment by project, order by ts)',
        bytes_per_event: per(after.total),
      },
    ];
    const ratio = Number(stats.before) / Number(stats.after);
    report(
      'storage',
      rows,
      {
        events: n,
        stored_bytes_per_event: per(before.total),
        compressed_bytes_per_event: per(after.total),
        compression_ratio: Number(ratio.toFixed(1)),
      },
      { database: 'PGlite + TimescaleDB (all-in-one), on disk' },
    );
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
