import { ValidationError, formatFieldErrors, zodIssuesToFieldErrors } from '@fleetscope/domain';
import { z } from 'zod';
import { ANOMALY_KINDS } from './anomaly-kinds';

const DAY_MINUTES = 24 * 60;

/**
 * Detector and lifecycle settings. The defaults are argued here; the evaluation spec
 * (`anomaly-evaluation.spec.ts`) measures them on a labelled synthetic fleet.
 */
export const anomalyOptionsSchema = z
  .object({
    /**
     * Robust z-score needed to raise (and the width of lower/upper). Measured on the synthetic
     * fleet over 9 seeds (see anomaly-evaluation.spec.ts): 3.5 gives precision 0.76, 4 gives
     * precision 0.99 / recall 0.97, 5 drops recall to 0.87 (small error bursts, ×0.1 drops).
     */
    sensitivity: z.number().positive().max(100).default(4),
    /** Closed minutes the recent baseline is computed from. */
    historyMinutes: z.number().int().min(5).max(DAY_MINUTES).default(60),
    /** Minutes of history (or enough seasonal points) before a series is judged at all. */
    warmupMinutes: z.number().int().min(1).max(DAY_MINUTES).default(15),
    /** Seasonal values needed to prefer the seasonal baseline over the recent one. */
    seasonalMinPoints: z.number().int().min(1).default(3),
    /**
     * Events per minute below which spikes are not raised (and drops need a baseline median of
     * at least this): from 2 to 9 events is a big ratio and no news.
     */
    minVolume: z.number().nonnegative().default(20),
    /** Errors per minute below which error spikes are not raised. */
    minErrors: z.number().nonnegative().default(5),
    /**
     * Durations in the minute below which p95 is not judged. 20, not 10: the nearest-rank p95
     * of fewer than 20 calls is their maximum, whose tail is far heavier than a z-score
     * assumes; in the evaluation 10 gave 17 false latency alarms over 9 fleet-days, 20 gave 3.
     */
    minLatencySamples: z.number().int().nonnegative().default(20),
    /**
     * Events in the minute below which token and cost burns are not judged: the total of a
     * handful of calls swings by multiples from one minute to the next (one long prompt).
     */
    minBurnEvents: z.number().nonnegative().default(10),
    /** The relative scale floor of p95, tokens and cost (see robust-baseline.ts). */
    relativeScaleFloor: z.number().min(0).max(10).default(0.1),
    /**
     * Attribute effects to their cause: errors, tokens and cost are expected to follow the
     * current volume (and cost the current tokens), so an event spike raises one
     * `event_spike`, not also an error spike, a token burn and a cost burn. With false, each
     * metric is judged against its own history only.
     */
    explainByVolume: z.boolean().default(true),
    /** An open anomaly resolves after this long of normal evaluations (hysteresis). */
    resolveAfterMs: z.number().int().nonnegative().default(60_000),
    /** `update`s of an open anomaly: never more often than this... */
    updateMinIntervalMs: z.number().int().nonnegative().default(10_000),
    /** ...and only when `actual` moved by this fraction since the last emitted value... */
    updateMinChange: z.number().nonnegative().default(0.2),
    /** ...or this long passed (a heartbeat keeps last_seen fresh). Escalations go at once. */
    updateMaxIntervalMs: z.number().int().positive().default(60_000),
    /**
     * Opening needs evidence from two disjoint minutes: the judged 1m window breaches and so
     * did the closed minute before it; or the window alone scores at least instantFactor ×
     * sensitivity (critical) and opens at once. At sensitivity 4 one minute alone is expected
     * to cross by chance about once per 30,000 series-minutes even when perfectly modelled,
     * i.e. several times a day in a fleet of 40; and a per-minute p95 (an order statistic of a
     * few dozen calls) or token total (a sum of a few lumpy calls) has heavier tails than
     * that. Two minutes square the chance for at most a minute of delay; a ×5 spike, or the
     * silence of a series above ~20 events a minute, still opens on the first minute. An open
     * anomaly stays open on the window alone.
     */
    instantFactor: z.number().min(1).default(2),
    /** Kinds to detect. */
    kinds: z
      .array(z.enum(ANOMALY_KINDS))
      .min(1)
      .default([...ANOMALY_KINDS]),
  })
  .strict()
  .superRefine((o, ctx) => {
    if (o.warmupMinutes > o.historyMinutes) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['warmupMinutes'],
        message: 'must not exceed historyMinutes',
      });
    }
    if (o.updateMinIntervalMs > o.updateMaxIntervalMs) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['updateMinIntervalMs'],
        message: 'must not exceed updateMaxIntervalMs',
      });
    }
  });

export type AnomalyOptions = z.input<typeof anomalyOptionsSchema>;
export type ResolvedAnomalyOptions = z.output<typeof anomalyOptionsSchema>;

export function parseAnomalyOptions(input: unknown = {}): ResolvedAnomalyOptions {
  const parsed = anomalyOptionsSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const errors = zodIssuesToFieldErrors(parsed.error);
  throw new ValidationError(`invalid anomaly options: ${formatFieldErrors(errors)}`, errors);
}
