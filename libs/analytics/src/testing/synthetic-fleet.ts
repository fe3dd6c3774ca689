/**
 * A labelled synthetic fleet for measuring the anomaly detectors (anomaly-evaluation.spec.ts).
 * Deterministic: the same seed gives the same data everywhere. Generated per minute, not per
 * event, so a day of 40 series takes well under a second.
 *
 * Normal behaviour of a series:
 * - events/min ~ Poisson(base · (1 + A·sin(2π(minute − phase)/1440))): daily seasonality;
 * - errors ~ Binomial(events, errorRate);
 * - a share of events has a duration ~ lognormal(median, σ); p95 is read from a LatencySketch
 *   of (up to 200 of) them, as the windows do;
 * - a share of events has tokens: per-event mean × count, per-event CV 0.6 (normal
 *   approximation of the sum); cost = tokens × price per token × (1 ± 2 %).
 *
 * Injected anomalies (labelled with their kind, series and minutes):
 * - event_spike: rate × 3–6 for 5–15 min (errors, tokens, cost follow the volume);
 * - event_drop: silence (0 events) or rate × 0.1 for 10–20 min;
 * - error_spike: error rate 20–40 % for 5–15 min;
 * - latency_spike: durations × 3–4 for 5–15 min;
 * - token_burn: tokens per event × 4–5 for 5–15 min (cost follows the tokens);
 * - cost_burn: price per token × 4–5 for 5–15 min (a switch to a pricier model).
 */
import type { AnomalyKind, MinuteValues } from '../anomalies/anomaly-kinds';
import { LatencySketch } from '../sketch/latency-sketch';
import { type SeriesId, seriesKey } from '../windows/series-id';
import { SeededRandom } from './seeded-random';

export const MINUTE_MS = 60_000;
export const DAY_MINUTES = 1440;

export interface SeriesProfile {
  key: string;
  series: SeriesId;
  baseRatePerMin: number;
  /** Relative amplitude of the daily sine. */
  amplitude: number;
  phaseMinutes: number;
  errorRate: number;
  latencyMedianMs: number;
  latencySigma: number;
  durationShare: number;
  tokenShare: number;
  tokensPerEvent: number;
  usdPerToken: number;
}

export interface InjectedAnomaly {
  key: string;
  kind: AnomalyKind;
  /** First and last affected minute (inclusive), as minute indexes from the start. */
  startMinute: number;
  endMinute: number;
  factor: number;
}

/** How a minute departs from normal (1 = no change; errorRate null = the profile's). */
interface Effects {
  rate: number;
  errorRate: number | null;
  latency: number;
  tokens: number;
  price: number;
}

const NO_EFFECT: Effects = { rate: 1, errorRate: null, latency: 1, tokens: 1, price: 1 };

/** The expected event rate of a profile at a minute (before noise and anomalies). */
export function expectedRate(p: SeriesProfile, minute: number): number {
  return (
    p.baseRatePerMin *
    (1 + p.amplitude * Math.sin((2 * Math.PI * (minute - p.phaseMinutes)) / DAY_MINUTES))
  );
}

export function simulateMinute(
  rnd: SeededRandom,
  p: SeriesProfile,
  rate: number,
  effects: Effects = NO_EFFECT,
): MinuteValues {
  const events = rnd.poisson(Math.max(0, rate * effects.rate));
  const errors = rnd.binomial(events, effects.errorRate ?? p.errorRate);
  const latencySamples = rnd.binomial(events, p.durationShare);
  let p95: number | null = null;
  if (latencySamples > 0) {
    const sketch = new LatencySketch();
    const median = p.latencyMedianMs * effects.latency;
    for (let i = 0; i < Math.min(latencySamples, 200); i++) {
      sketch.add(rnd.lognormal(Math.log(median), p.latencySigma));
    }
    p95 = sketch.quantile(0.95);
  }
  const withTokens = rnd.binomial(events, p.tokenShare);
  const perEvent = p.tokensPerEvent * effects.tokens;
  const tokens = Math.max(
    0,
    Math.round(withTokens * perEvent + Math.sqrt(withTokens) * perEvent * 0.6 * rnd.normal()),
  );
  const cost = tokens * p.usdPerToken * effects.price * (1 + 0.02 * rnd.normal());
  return {
    events,
    errors,
    p95_ms: p95,
    latency_samples: latencySamples,
    tokens,
    cost_usd: Math.max(0, cost),
  };
}

export function randomProfile(rnd: SeededRandom, index: number, lowVolume: boolean): SeriesProfile {
  const series: SeriesId = {
    level: 'agent',
    project_id: 'eval',
    app: `app-${index % 5}`,
    agent_id: `agent-${index}`,
  };
  const logUniform = (lo: number, hi: number) =>
    Math.exp(Math.log(lo) + rnd.uniform() * Math.log(hi / lo));
  return {
    key: seriesKey(series),
    series,
    baseRatePerMin: lowVolume ? logUniform(6, 15) : logUniform(30, 300),
    amplitude: 0.3 + 0.3 * rnd.uniform(),
    phaseMinutes: rnd.int(0, DAY_MINUTES - 1),
    errorRate: 0.005 + 0.025 * rnd.uniform(),
    latencyMedianMs: logUniform(200, 2000),
    latencySigma: 0.5 + 0.3 * rnd.uniform(),
    durationShare: 0.4 + 0.4 * rnd.uniform(),
    tokenShare: 0.3 + 0.4 * rnd.uniform(),
    tokensPerEvent: logUniform(300, 3000),
    usdPerToken: logUniform(1e-6, 1.5e-5),
  };
}

export interface SyntheticFleet {
  startMs: number;
  minutes: number;
  profiles: SeriesProfile[];
  injected: InjectedAnomaly[];
  /** key → one MinuteValues per minute. */
  data: Map<string, MinuteValues[]>;
}

export interface FleetSpec {
  seed: number;
  startMs: number;
  /** Series with injections (base 30–300 events/min). */
  series: number;
  /** Extra low-volume series (6–15 events/min), never injected: they test the volume guards. */
  lowVolumeSeries: number;
  minutes: number;
  anomalies: number;
  /** Injections start after this minute, so every series has a clean baseline first. */
  firstInjectionMinute: number;
  /** Minimum distance between two injections on one series (the baseline's hour recovers). */
  injectionGapMinutes: number;
}

const KINDS: readonly AnomalyKind[] = [
  'event_spike',
  'event_drop',
  'error_spike',
  'latency_spike',
  'token_burn',
  'cost_burn',
];

export function generateFleet(spec: FleetSpec): SyntheticFleet {
  const rnd = new SeededRandom(spec.seed);
  const profiles: SeriesProfile[] = [];
  for (let i = 0; i < spec.series + spec.lowVolumeSeries; i++) {
    profiles.push(randomProfile(rnd, i, i >= spec.series));
  }
  const injected = scheduleInjections(rnd, profiles.slice(0, spec.series), spec);
  const data = new Map<string, MinuteValues[]>();
  for (const p of profiles) {
    const mine = injected.filter((a) => a.key === p.key);
    const values: MinuteValues[] = [];
    for (let minute = 0; minute < spec.minutes; minute++) {
      const active = mine.find((a) => minute >= a.startMinute && minute <= a.endMinute);
      values.push(simulateMinute(rnd, p, expectedRate(p, minute), effectsOf(active)));
    }
    data.set(p.key, values);
  }
  return { startMs: spec.startMs, minutes: spec.minutes, profiles, injected, data };
}

function scheduleInjections(
  rnd: SeededRandom,
  profiles: readonly SeriesProfile[],
  spec: FleetSpec,
): InjectedAnomaly[] {
  const out: InjectedAnomaly[] = [];
  const lastEnd = new Map<string, number>();
  for (let i = 0; i < spec.anomalies; i++) {
    const kind = KINDS[i % KINDS.length]!;
    // Walk the series round-robin; place the injection after the series' previous one.
    const p = profiles[i % profiles.length]!;
    const duration = kind === 'event_drop' ? rnd.int(10, 20) : rnd.int(5, 15);
    const earliest = Math.max(
      spec.firstInjectionMinute,
      (lastEnd.get(p.key) ?? Number.NEGATIVE_INFINITY) + spec.injectionGapMinutes,
    );
    const rounds = Math.ceil(spec.anomalies / profiles.length);
    const slot = Math.floor((spec.minutes - spec.firstInjectionMinute) / rounds);
    const start = Math.min(
      spec.minutes - duration - 5,
      earliest + rnd.int(0, Math.max(0, slot - spec.injectionGapMinutes)),
    );
    const factor =
      kind === 'event_spike'
        ? 3 + 3 * rnd.uniform()
        : kind === 'event_drop'
          ? rnd.uniform() < 0.5
            ? 0
            : 0.1
          : kind === 'error_spike'
            ? 0.2 + 0.2 * rnd.uniform()
            : kind === 'latency_spike'
              ? 3 + rnd.uniform()
              : 4 + rnd.uniform();
    out.push({ key: p.key, kind, startMinute: start, endMinute: start + duration - 1, factor });
    lastEnd.set(p.key, start + duration - 1);
  }
  return out;
}

function effectsOf(a: InjectedAnomaly | undefined): Effects {
  if (a === undefined) return NO_EFFECT;
  switch (a.kind) {
    case 'event_spike':
    case 'event_drop':
      return { ...NO_EFFECT, rate: a.factor };
    case 'error_spike':
      return { ...NO_EFFECT, errorRate: a.factor };
    case 'latency_spike':
      return { ...NO_EFFECT, latency: a.factor };
    case 'token_burn':
      return { ...NO_EFFECT, tokens: a.factor };
    case 'cost_burn':
      return { ...NO_EFFECT, price: a.factor };
  }
}
