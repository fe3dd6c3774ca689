// storage: bytes per stored event, raw (heap + TOAST), with indexes, and after TimescaleDB
// compression, on the embedded TimescaleDB of all-in-one mode.
//   full: 200,000 events;  --quick: 20,000.
// The workload's filler text is replaced by seeded pseudo-words: runs of one letter would
// compress far better than real tool inputs and prompts, and flatter the ratio.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, makeWorkload, report, rng, ROOT } from '../lib.mjs';

const WORDS =
  'the of to and a in is it you that he was for on are with as his they be at one have this from or had by word but what some we can out other were all there when up use your how said an each she which do their time if will way about many then them write would like so these her long make thing see him two has look more day could go come did number sound no most people my over know water than call first who may down side been now find any new work part take get place made live where after back little only round man year came show every good me give our under name very through just form sentence great think say help low line differ turn cause much mean before move right boy old too same tell does set three want air well also play small end put home read hand port large spell add even land here must big high such follow act why ask men change went light kind off need house picture try us again animal point mother world near build self earth father'.split(
    ' ',
  );

function realistic(events, seed) {
  const r = rng(seed);
  const words = (n) => {
    let s = '';
    while (s.length < n) s += `${WORDS[Math.floor(r() * WORDS.length)]} `;
    return s.slice(0, n);
  };
  const fix = (v) => {
    if (typeof v === 'string' && /^x{20,}$/.test(v)) return words(v.length);
    if (v && typeof v === 'object') {
      for (const k of Object.keys(v)) v[k] = fix(v[k]);
    }
    return v;
  };
  return events.map((e) => fix(e));
}

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
    const raw = realistic(makeWorkload(13, n), 17);
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
