import type { SqlClient, StorageFlavor } from './sql-client';

export interface RetentionOptions {
  /** Raw events (and the 1m rollups, kept at least a week) are dropped after this many days. */
  retentionDays: number;
  /** 1h and 1d rollups and anomalies are dropped after this many days. */
  rollupRetentionDays: number;
}

/** Raw chunks compress once they are this old (late events into them still insert). */
const COMPRESS_AFTER = '1 day';
/** The 1m rollups back the 15-minute windows' rebuild and the detectors' recent baseline. */
const MIN_1M_RETENTION_DAYS = 7;

/** Same lock as the migrator: policies change only while no migration runs. */
const POLICY_LOCK = 1718379877;

/**
 * (Re)applies retention and compression policies from the configuration, idempotently: a
 * changed RETENTION_DAYS takes effect at the next start. On plain PostgreSQL there is
 * nothing to register; {@link StorageMaintenance} deletes in batches instead.
 */
export async function applyStoragePolicies(
  db: SqlClient,
  flavor: StorageFlavor,
  opts: RetentionOptions,
): Promise<void> {
  if (flavor !== 'timescaledb') return;
  const raw = `${opts.retentionDays} days`;
  const minute = `${Math.max(opts.retentionDays, MIN_1M_RETENTION_DAYS)} days`;
  const rollup = `${opts.rollupRetentionDays} days`;
  const retention: [string, string][] = [
    ['events', raw],
    ['agent_stats_1m', minute],
    ['latency_hist_1m', minute],
    ['latency_hist_app_1m', minute],
    ['agent_stats_1h', rollup],
    ['latency_hist_1h', rollup],
    ['latency_hist_app_1h', rollup],
    ['agent_stats_1d', rollup],
    ['latency_hist_1d', rollup],
    ['latency_hist_app_1d', rollup],
    ['anomalies', rollup],
  ];
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [POLICY_LOCK]);
    for (const [relation, dropAfter] of retention) {
      // NOTE: relation names come from the constant list above, never from input; the
      // functions take regclass, which a bind parameter can carry as text.
      await tx.query('SELECT remove_retention_policy($1::regclass, if_exists => TRUE)', [relation]);
      await tx.query('SELECT add_retention_policy($1::regclass, $2::interval)', [
        relation,
        dropAfter,
      ]);
    }
    await tx.query("SELECT add_compression_policy('events', $1::interval, if_not_exists => TRUE)", [
      COMPRESS_AFTER,
    ]);
  });
}

export interface MaintenanceLog {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
}

interface Job {
  id: number;
  name: string;
  relation: string | null;
  intervalMs: number;
  lastRunMs: number;
}

/**
 * The periodic storage work nothing else would do:
 * - embedded TimescaleDB (PGlite, WASM) has no background workers, so due policy jobs
 *   (continuous aggregate refreshes, compression, retention) are run here with
 *   `CALL run_job(id)`, each on its own schedule_interval;
 * - plain PostgreSQL has no retention policies, so old rows are deleted in batches.
 * A TimescaleDB server runs its own jobs: nothing to do.
 */
export class StorageMaintenance {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private jobs: Job[] = [];
  private lastRetentionMs = 0;
  private lastAnalyzeMs = 0;
  jobRuns = 0;

  constructor(
    private readonly db: SqlClient,
    private readonly flavor: StorageFlavor,
    private readonly opts: RetentionOptions & { tickMs?: number; retentionEveryMs?: number },
    private readonly log: MaintenanceLog,
  ) {}

  get mode(): 'run-jobs' | 'batched-delete' | 'none' {
    if (this.flavor === 'postgres') return 'batched-delete';
    return this.db.kind === 'pglite' ? 'run-jobs' : 'none';
  }

  start(): void {
    if (this.mode === 'none' || this.timer) return;
    const tick = this.opts.tickMs ?? 15_000;
    this.timer = setInterval(() => void this.runOnce(), tick);
    this.timer.unref();
    void this.runOnce();
  }

  /** One pass; concurrent calls share the pass in flight. Exposed for tests. */
  runOnce(nowMs = Date.now()): Promise<void> {
    this.running ??= this.pass(nowMs).finally(() => (this.running = undefined));
    return this.running;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async pass(nowMs: number): Promise<void> {
    try {
      if (this.mode === 'run-jobs') {
        await this.runDueJobs(nowMs);
        await this.analyze(nowMs);
      } else if (this.mode === 'batched-delete') await this.deleteExpired(nowMs);
    } catch (err) {
      this.log.warn('storage maintenance failed; retrying at the next tick', {
        error: (err as Error).message,
      });
    }
  }

  /** Runs every job whose schedule_interval has passed since its last run here. */
  async runDueJobs(nowMs = Date.now(), force = false): Promise<number> {
    if (this.jobs.length === 0) await this.loadJobs();
    let ran = 0;
    for (const job of this.jobs) {
      if (!force && nowMs - job.lastRunMs < job.intervalMs) continue;
      job.lastRunMs = nowMs;
      try {
        await this.db.query(`CALL run_job($1)`, [job.id]);
        ran += 1;
        this.jobRuns += 1;
      } catch (err) {
        this.log.warn('timescaledb job failed', {
          job: job.id,
          proc: job.name,
          relation: job.relation,
          error: (err as Error).message,
        });
      }
    }
    return ran;
  }

  /**
   * Embedded PostgreSQL has no autovacuum either: without statistics the planner guesses one
   * row per relation and sorts on disk what it should hash. Refresh them every 30 minutes.
   */
  async analyze(nowMs = Date.now(), force = false): Promise<void> {
    if (!force && nowMs - this.lastAnalyzeMs < 30 * 60_000) return;
    this.lastAnalyzeMs = nowMs;
    await this.db.query('ANALYZE');
  }

  private async loadJobs(): Promise<void> {
    // Refreshes run in hierarchy order (1m before 1h before 1d): the view name sorts so.
    const r = await this.db.query<{
      job_id: number;
      proc_name: string;
      relation: string | null;
      interval_s: number | string;
    }>(
      `SELECT job_id, proc_name, hypertable_name AS relation,
              extract(epoch FROM schedule_interval) AS interval_s
         FROM timescaledb_information.jobs
        WHERE job_id >= 1000
        ORDER BY proc_name DESC, hypertable_name`,
    );
    const rank = (name: string | null): number =>
      name?.endsWith('_1m') ? 0 : name?.endsWith('_1h') ? 1 : name?.endsWith('_1d') ? 2 : 3;
    this.jobs = r.rows
      .map((row) => ({
        id: Number(row.job_id),
        name: row.proc_name,
        relation: row.relation,
        intervalMs: Number(row.interval_s) * 1000,
        lastRunMs: 0,
      }))
      .sort((a, b) => rank(a.relation) - rank(b.relation));
  }

  /** Plain PostgreSQL retention: delete expired rows 10k at a time. */
  async deleteExpired(nowMs = Date.now(), force = false): Promise<number> {
    const every = this.opts.retentionEveryMs ?? 3_600_000;
    if (!force && nowMs - this.lastRetentionMs < every) return 0;
    this.lastRetentionMs = nowMs;
    const rawCutoff = new Date(nowMs - this.opts.retentionDays * 86_400_000).toISOString();
    const anomalyCutoff = new Date(nowMs - this.opts.rollupRetentionDays * 86_400_000);
    let deleted = 0;
    // NOTE: no lock: two processes deleting the same expired rows only wait on each other.
    for (const [table, column, cutoff] of [
      ['events', 'ts', rawCutoff],
      ['anomalies', 'first_seen', anomalyCutoff.toISOString()],
    ] as const) {
      for (;;) {
        // NOTE: table and column come from the constant list above.
        const r = await this.db.query(
          `DELETE FROM ${table} WHERE ctid IN (SELECT ctid FROM ${table} WHERE ${column} < $1 LIMIT 10000)`,
          [cutoff],
        );
        deleted += r.rowCount;
        if (r.rowCount < 10_000) break;
      }
    }
    if (deleted > 0) this.log.info('retention: deleted expired rows', { deleted });
    return deleted;
  }
}
