import { seriesKey, seriesOf, type MetricName, type SeasonalProvider } from '@fleetscope/analytics';
import type { SqlExecutor } from '@fleetscope/db';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** How many previous days the seasonal baseline looks back at. */
export const SEASONAL_DAYS = 28;

/**
 * The detectors' seasonal baseline: for a series, a metric and a time, the per-minute rate
 * of the same metric in the same UTC hour of day on each previous day (up to 28), read from
 * the 1h rollups. The engine uses it instead of the recent baseline once at least three days
 * exist, so a daily rhythm (office hours, nightly batch jobs) is expected, not flagged.
 *
 * The engine asks synchronously, so the rollups are loaded into memory and reloaded once an
 * hour. Days before a series' first hour in the range do not count (an agent that did not
 * exist yet is not an agent that was silent); hours without events after it count as zero.
 * Latency (p95) has no seasonal baseline: hourly p95s are not kept per minute.
 */
export class RollupSeasonalBaseline implements SeasonalProvider {
  /** `${seriesKey}|${metric}|${hourOfDay}` → per-minute values of previous days. */
  private values_ = new Map<string, number[]>();
  private loadedForHourMs = Number.NEGATIVE_INFINITY;
  private loadedFromDayMs = Number.POSITIVE_INFINITY;

  values(key: string, metric: MetricName, atMs: number): readonly number[] | undefined {
    // Only days strictly before the one being judged.
    if (Math.floor(atMs / DAY_MS) * DAY_MS < this.loadedFromDayMs) return undefined;
    return this.values_.get(`${key}|${metric}|${new Date(atMs).getUTCHours()}`);
  }

  /** Whether a reload is due (a new hour began since the last one). */
  isStale(nowMs: number): boolean {
    return Math.floor(nowMs / HOUR_MS) * HOUR_MS > this.loadedForHourMs;
  }

  async reload(db: SqlExecutor, nowMs: number): Promise<void> {
    const today = Math.floor(nowMs / DAY_MS) * DAY_MS;
    const from = today - SEASONAL_DAYS * DAY_MS;
    const r = await db.query<{
      bucket: Date | string;
      project_id: string;
      app: string;
      agent_id: string;
      events: string | number;
      errors: string | number;
      tokens: string | number;
      cost_usd: string | number;
    }>(
      `SELECT bucket, project_id, app, agent_id, sum(events) AS events, sum(errors) AS errors,
              sum(input_tokens) + sum(output_tokens) AS tokens, sum(cost_usd) AS cost_usd
         FROM agent_stats_1h
        WHERE bucket >= $1::timestamptz AND bucket < $2::timestamptz
        GROUP BY 1, 2, 3, 4`,
      [new Date(from).toISOString(), new Date(today).toISOString()],
    );
    // series key → hour bucket (ms) → per-hour sums.
    const hours = new Map<string, Map<number, [number, number, number, number]>>();
    for (const row of r.rows) {
      const at = (row.bucket instanceof Date ? row.bucket : new Date(row.bucket)).getTime();
      for (const series of seriesOf({
        project_id: row.project_id,
        app: row.app,
        agent_id: row.agent_id ? row.agent_id : null,
        session_id: '',
      })) {
        if (series.level === 'session') continue;
        const key = seriesKey(series);
        const byHour = hours.get(key) ?? new Map<number, [number, number, number, number]>();
        hours.set(key, byHour);
        const sums = byHour.get(at) ?? [0, 0, 0, 0];
        sums[0] += Number(row.events);
        sums[1] += Number(row.errors);
        sums[2] += Number(row.tokens);
        sums[3] += Number(row.cost_usd);
        byHour.set(at, sums);
      }
    }
    const values = new Map<string, number[]>();
    const metrics: [MetricName, number][] = [
      ['events_per_min', 0],
      ['errors_per_min', 1],
      ['tokens_per_min', 2],
      ['cost_usd_per_min', 3],
    ];
    for (const [key, byHour] of hours) {
      const firstDay = Math.floor(Math.min(...byHour.keys()) / DAY_MS) * DAY_MS;
      for (let day = firstDay; day < today; day += DAY_MS) {
        for (let h = 0; h < 24; h++) {
          const at = day + h * HOUR_MS;
          const sums = byHour.get(at) ?? [0, 0, 0, 0];
          for (const [metric, i] of metrics) {
            const k = `${key}|${metric}|${h}`;
            const list = values.get(k) ?? [];
            list.push(sums[i]! / 60);
            values.set(k, list);
          }
        }
      }
    }
    this.values_ = values;
    this.loadedForHourMs = Math.floor(nowMs / HOUR_MS) * HOUR_MS;
    this.loadedFromDayMs = today;
  }
}
