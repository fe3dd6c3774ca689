import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from '../testing/seeded-random';
import {
  DAY_MINUTES,
  MINUTE_MS,
  type InjectedAnomaly,
  type SeriesProfile,
  type SyntheticFleet,
  generateFleet,
  randomProfile,
  simulateMinute,
} from '../testing/synthetic-fleet';
import { type CurrentStats, AnomalyEngine, type SeasonalProvider } from './anomaly-engine';
import { metricValue } from './anomaly-detector';
import {
  ANOMALY_KINDS,
  type AnomalyKind,
  type AnomalyTransition,
  type MinuteValues,
} from './anomaly-kinds';
import type { AnomalyOptions } from './anomaly-options.schema';

const START_MS = Date.parse('2026-01-05T00:00:00.000Z');
/** The snapshot lists a series while it had events in its largest window (15 min). */
const LISTED_FOR_MINUTES = 15;

interface Episode {
  key: string;
  kind: AnomalyKind;
  openMinute: number;
  /** Last minute the episode was open (its resolve, or the end of the run). */
  endMinute: number;
}

/**
 * Drives an engine minute by minute as the stream worker would once a minute closes: record
 * the closed minute of every series, then evaluate the 1m window that is that minute.
 */
function drive(
  engine: AnomalyEngine,
  profiles: readonly SeriesProfile[],
  data: ReadonlyMap<string, readonly MinuteValues[]>,
  fromMinute: number,
  toMinute: number,
): { episodes: Episode[]; transitions: AnomalyTransition[] } {
  const minuteOf = (ms: number) => Math.floor((ms - START_MS) / MINUTE_MS) - 1;
  const open = new Map<string, Episode>();
  const episodes: Episode[] = [];
  const transitions: AnomalyTransition[] = [];
  for (let m = fromMinute; m < toMinute; m++) {
    const windowStartMs = START_MS + m * MINUTE_MS;
    const rows: CurrentStats[] = [];
    for (const p of profiles) {
      const series = data.get(p.key)!;
      const v = series[m]!;
      engine.recordMinute({
        key: p.key,
        series: p.series,
        minuteStartMs: windowStartMs,
        events: v.events,
        errors: v.errors,
        p95_ms: v.p95_ms,
        latency_samples: v.latency_samples,
        tokens: v.tokens,
        cost_usd: v.cost_usd,
      });
      const listed = series
        .slice(Math.max(0, m - LISTED_FOR_MINUTES + 1), m + 1)
        .some((x) => x.events > 0);
      if (!listed) continue;
      rows.push({
        key: p.key,
        series: p.series,
        window_ms: MINUTE_MS,
        window_start_ms: windowStartMs,
        events: v.events,
        errors: v.errors,
        p95_ms: v.p95_ms,
        latency_samples: v.latency_samples,
        input_tokens: v.tokens,
        output_tokens: 0,
        cost_usd: v.cost_usd,
      });
    }
    // The watermark passed the minute's end: now = end + idle + lateness.
    const nowMs = windowStartMs + MINUTE_MS + 7_000;
    for (const t of engine.evaluate(nowMs, rows)) {
      transitions.push(t);
      const id = `${t.key}|${t.kind}`;
      if (t.action === 'open') {
        const e = { key: t.key, kind: t.kind, openMinute: minuteOf(nowMs), endMinute: toMinute };
        open.set(id, e);
        episodes.push(e);
      } else if (t.action === 'resolve') {
        const e = open.get(id);
        if (e !== undefined) e.endMinute = minuteOf(t.last_seen_ms);
        open.delete(id);
      }
    }
  }
  return { episodes, transitions };
}

interface KindScore {
  injected: number;
  detected: number;
  opened: number;
  falsePositives: number;
}

/**
 * An injection is detected when an anomaly of its kind on its series opens during it (or
 * within 2 minutes of its start, for short ones); an opened anomaly is a false positive when
 * its episode overlaps no injection of its series and kind.
 */
function score(injected: readonly InjectedAnomaly[], episodes: readonly Episode[]) {
  const perKind = new Map<AnomalyKind, KindScore>(
    ANOMALY_KINDS.map((k) => [k, { injected: 0, detected: 0, opened: 0, falsePositives: 0 }]),
  );
  const missed: InjectedAnomaly[] = [];
  const falsePositives: Episode[] = [];
  /** Minutes from the injection's first minute to the evaluation that opened it. */
  const delays: number[] = [];
  for (const a of injected) {
    const s = perKind.get(a.kind)!;
    s.injected++;
    const last = Math.max(a.endMinute, a.startMinute + 2);
    const hit = episodes.find(
      (e) =>
        e.key === a.key &&
        e.kind === a.kind &&
        e.openMinute >= a.startMinute &&
        e.openMinute <= last,
    );
    if (hit === undefined) {
      missed.push(a);
      continue;
    }
    s.detected++;
    delays.push(hit.openMinute - a.startMinute);
  }
  for (const e of episodes) {
    const s = perKind.get(e.kind)!;
    s.opened++;
    const overlaps = injected.some(
      (a) =>
        a.key === e.key &&
        a.kind === e.kind &&
        e.openMinute <= a.endMinute &&
        e.endMinute >= a.startMinute,
    );
    if (!overlaps) {
      s.falsePositives++;
      falsePositives.push(e);
    }
  }
  const opened = episodes.length;
  const fp = falsePositives.length;
  const detected = injected.length - missed.length;
  return {
    precision: opened === 0 ? 1 : (opened - fp) / opened,
    recall: injected.length === 0 ? 1 : detected / injected.length,
    perKind,
    missed,
    falsePositives,
    delays: delays.sort((x, y) => x - y),
  };
}

describe('anomaly detection on a labelled synthetic fleet', () => {
  it('finds the injected anomalies with precision and recall >= 0.9', () => {
    const fleet: SyntheticFleet = generateFleet({
      seed: 20260105,
      startMs: START_MS,
      series: 36,
      lowVolumeSeries: 4,
      minutes: DAY_MINUTES,
      anomalies: 40,
      firstInjectionMinute: 120,
      injectionGapMinutes: 90,
    });
    const engine = new AnomalyEngine();
    const { episodes, transitions } = drive(engine, fleet.profiles, fleet.data, 0, fleet.minutes);
    const result = score(fleet.injected, episodes);

    const updates = transitions.filter((t) => t.action === 'update').length;
    console.log(
      `anomaly evaluation: ${fleet.profiles.length} series × ${fleet.minutes} min, ` +
        `${fleet.injected.length} injected; precision ${result.precision.toFixed(3)}, ` +
        `recall ${result.recall.toFixed(3)}; ${episodes.length} opened, ${updates} updates`,
    );
    for (const [kind, s] of result.perKind) {
      console.log(
        `  ${kind.padEnd(14)} injected ${s.injected}  detected ${s.detected}  ` +
          `opened ${s.opened}  false positives ${s.falsePositives}`,
      );
    }
    const delays = result.delays;
    console.log(
      `  detection delay (minutes after the first anomalous minute): ` +
        `median ${delays[Math.floor(delays.length / 2)]}, max ${delays[delays.length - 1]}`,
    );
    for (const a of result.missed) {
      console.log(
        `  missed: ${a.kind} on ${a.key} minutes ${a.startMinute}-${a.endMinute} ×${a.factor.toFixed(2)}`,
      );
    }
    for (const e of result.falsePositives) {
      console.log(`  false positive: ${e.kind} on ${e.key} minutes ${e.openMinute}-${e.endMinute}`);
    }
    assert.ok(result.precision >= 0.9, `precision ${result.precision}`);
    assert.ok(result.recall >= 0.9, `recall ${result.recall}`);
    for (const [kind, s] of result.perKind)
      assert.ok(s.injected >= 6, `${kind} injected ${s.injected}`);
  });
});

describe('no anomaly on normal traffic', () => {
  function steadyProfile(rnd: SeededRandom, i: number, rate: number): SeriesProfile {
    return { ...randomProfile(rnd, 100 + i, false), baseRatePerMin: rate, amplitude: 0 };
  }

  it('raises nothing on steady series of any volume over 24 h', () => {
    const rnd = new SeededRandom(7);
    const profiles = [3, 25, 60, 150, 400, 1200].map((rate, i) => steadyProfile(rnd, i, rate));
    const data = new Map(
      profiles.map((p) => [
        p.key,
        Array.from({ length: DAY_MINUTES }, () => simulateMinute(rnd, p, p.baseRatePerMin)),
      ]),
    );
    const { transitions } = drive(new AnomalyEngine(), profiles, data, 0, DAY_MINUTES);
    assert.deepEqual(
      transitions.map((t) => `${t.kind} ${t.key}`),
      [],
    );
  });

  /** Office hours: 20 events/min at night, 300 from 09:00 to 18:00, 30-minute ramps. */
  function officeRate(minuteOfDay: number): number {
    const ramp = (from: number, to: number, at: number) =>
      Math.min(1, Math.max(0, (at - from) / (to - from)));
    const up = ramp(8.5 * 60, 9 * 60, minuteOfDay);
    const down = ramp(18 * 60, 18.5 * 60, minuteOfDay);
    return 20 + 280 * (up - down);
  }

  /** Same metric within ±15 min of the same time on each previous day (up to 7). */
  function dailyProvider(
    data: ReadonlyMap<string, readonly MinuteValues[]>,
    minLatencySamples: number,
  ): SeasonalProvider {
    return {
      values(key, metric, atMs) {
        const series = data.get(key);
        if (series === undefined) return undefined;
        const minute = Math.floor((atMs - START_MS) / MINUTE_MS);
        const out: number[] = [];
        for (let d = 1; d <= 7; d++) {
          const center = minute - d * DAY_MINUTES;
          for (let m = center - 15; m <= center + 15; m++) {
            const v = m >= 0 && m < minute - 60 ? series[m] : undefined;
            if (v === undefined) continue;
            const value = metricValue(metric, v, minLatencySamples);
            if (value !== null) out.push(value);
          }
        }
        return out;
      },
    };
  }

  it('raises nothing on office-hours traffic with a seasonal baseline (and does without)', () => {
    const rnd = new SeededRandom(11);
    const profiles = [0, 1, 2].map((i) => ({
      ...randomProfile(rnd, 200 + i, false),
      amplitude: 0,
    }));
    const days = 4;
    const data = new Map(
      profiles.map((p) => [
        p.key,
        Array.from({ length: days * DAY_MINUTES }, (_, m) =>
          simulateMinute(rnd, p, officeRate(m % DAY_MINUTES)),
        ),
      ]),
    );
    const options: AnomalyOptions = {};
    const lastDay = (days - 1) * DAY_MINUTES;
    const seasonal = new AnomalyEngine(options, dailyProvider(data, 10));
    const withSeasonal = drive(seasonal, profiles, data, lastDay - 60, days * DAY_MINUTES);
    assert.deepEqual(
      withSeasonal.transitions.map((t) => `${t.kind} ${t.key} ${t.actual}/${t.expected}`),
      [],
    );
    // The recent-only baseline cannot know 09:00 is busy: the morning ramp looks like a spike.
    const recentOnly = drive(
      new AnomalyEngine(options),
      profiles,
      data,
      lastDay - 60,
      days * DAY_MINUTES,
    );
    assert.ok(recentOnly.episodes.some((e) => e.kind === 'event_spike'));
  });
});
