import { type SeriesId, type SeriesLevel, seriesKey, seriesOf } from './series-id';
import { type WindowAggregate, addEvent, emptyAggregate, mergeAggregate } from './window-aggregate';
import { type WindowInput, isErrorEvent } from './window-input';
import {
  type ResolvedSlidingWindowOptions,
  type SlidingWindowOptions,
  parseSlidingWindowOptions,
} from './window-options.schema';
import { WatermarkTracker } from './watermark';

const SLOT_MS = 1_000;
const MINUTE_MS = 60_000;

const floorTo = (ms: number, unitMs: number) => Math.floor(ms / unitMs) * unitMs;

/** `60_000` → `1m`, `900_000` → `15m`, `3_600_000` → `1h`, `90_000` → `90s`. */
export function windowLabel(windowMs: number): string {
  if (windowMs % 86_400_000 === 0) return `${windowMs / 86_400_000}d`;
  if (windowMs % 3_600_000 === 0) return `${windowMs / 3_600_000}h`;
  if (windowMs % MINUTE_MS === 0) return `${windowMs / MINUTE_MS}m`;
  return `${windowMs / SLOT_MS}s`;
}

/**
 * The end (exclusive) of the windows at watermark `W`: the start of the first one-second slot
 * that may still receive events. Every slot before it holds only events with ts <= W, which
 * can no longer change (later ones are late), so window values are final when reported.
 */
export function windowEndMs(watermarkMs: number): number {
  return floorTo(watermarkMs + 1, SLOT_MS);
}

/** One window of one series, ending at the watermark: events in [window_start_ms, window_end_ms). */
export interface WindowStats {
  /** `1m`, `5m`, `15m` with the default windows. */
  window: string;
  window_ms: number;
  window_start_ms: number;
  window_end_ms: number;
  events: number;
  errors: number;
  /** errors / events; 0 without events. */
  error_rate: number;
  events_per_min: number;
  /**
   * From the merged latency sketch (within SKETCH_RELATIVE_ERROR, 9.1 % at γ = 1.2); null when
   * no event in the window had a duration.
   */
  p50_ms: number | null;
  p95_ms: number | null;
  /** Events with a duration: how much the percentiles can be trusted. */
  latency_samples: number;
  input_tokens: number;
  output_tokens: number;
  tokens_per_min: number;
  cost_usd: number;
  cost_per_min: number;
}

export interface SeriesStats extends WindowStats {
  key: string;
  series: SeriesId;
  /** Newest accepted event time of the series (may be after the window end). */
  last_event_ts: string;
  /** Late events refused for this series while it has been tracked. */
  late_events: number;
}

/** A closed minute of a series: every event of it is in (later ones are late). */
export interface MinutePoint {
  key: string;
  series: SeriesId;
  minuteStartMs: number;
  events: number;
  errors: number;
  p95_ms: number | null;
  latency_samples: number;
  /** input + output. */
  tokens: number;
  cost_usd: number;
}

export interface SnapshotFilter {
  levels?: readonly SeriesLevel[];
}

interface MinuteEntry {
  agg: WindowAggregate;
  /**
   * Its one-second slots, indexed by second of the minute (holes where none); null once they
   * were dropped (the minute is kept only to be emitted). An array, not a Map keyed by epoch
   * ms: walking a partial minute is then index arithmetic, the hot loop of every snapshot.
   */
  slots: (WindowAggregate | undefined)[] | null;
}

interface SeriesState {
  readonly key: string;
  readonly id: SeriesId;
  readonly minutes: Map<number, MinuteEntry>;
  lastEventMs: number;
  lateEvents: number;
  /** Watermark when its last late event arrived: keeps a late-only series listed a while. */
  lastLateAtWatermarkMs: number;
  /** First minute `closedMinutes` has not returned yet; null before the first event. */
  nextMinuteMs: number | null;
}

/**
 * Event-time sliding windows per series (project, app, agent, session), pure and in memory.
 *
 * State: per series, sparse one-second slots and per-minute sums of them. A window is the sum
 * of its whole minutes plus the slots of the partial minutes at its two ends, so a 15-minute
 * window costs ~15 merges and at most ~118 slot look-ups, not 900 merges, and all windows are
 * summed in one backward walk since they share their end.
 *
 * Memory is bounded: `evict` drops slots and minutes older than the largest window (rounded
 * down to the minute), minutes not yet emitted after `silenceMinutes`, and series with nothing
 * left. Call it about once a second, with the snapshot.
 */
export class SlidingWindows {
  readonly options: ResolvedSlidingWindowOptions;
  private readonly windowsAsc: readonly number[];
  private readonly largestMs: number;
  private readonly silenceMs: number;
  private readonly series = new Map<string, SeriesState>();
  private readonly clock: WatermarkTracker;
  private late = 0;
  private evictedBeforeMs = Number.NEGATIVE_INFINITY;

  constructor(options: SlidingWindowOptions = {}) {
    this.options = parseSlidingWindowOptions(options);
    this.windowsAsc = [...this.options.windowsMs].sort((a, b) => a - b);
    this.largestMs = this.windowsAsc[this.windowsAsc.length - 1]!;
    this.silenceMs = this.options.silenceMinutes * MINUTE_MS;
    this.clock = new WatermarkTracker(this.options.idleMs, this.options.allowedLatenessMs);
  }

  /** The watermark (ms) at `nowMs`; never decreases. */
  watermark(nowMs: number): number {
    return this.clock.at(nowMs);
  }

  /** Late events refused since start. */
  get lateTotal(): number {
    return this.late;
  }

  /** What the state holds, for gauges and for tests of eviction. */
  sizes(): { series: number; slots: number; minutes: number } {
    let slots = 0;
    let minutes = 0;
    for (const state of this.series.values()) {
      for (const minute of state.minutes.values()) {
        if (minute.slots !== null) for (const slot of minute.slots) if (slot) slots += 1;
      }
      minutes += state.minutes.size;
    }
    return { series: this.series.size, slots, minutes };
  }

  /**
   * Adds one event, or counts it as late when its ts <= the watermark at arrival. Throws a
   * RangeError on a ts that does not parse (the envelope schema guarantees one that does).
   */
  observe(e: WindowInput, nowMs: number): 'accepted' | 'late' {
    const tsMs = Date.parse(e.ts);
    if (Number.isNaN(tsMs)) throw new RangeError(`event ts is not a date: ${e.ts}`);
    const watermarkMs = this.clock.at(nowMs);
    const ids = seriesOf(e);
    if (tsMs <= watermarkMs) {
      this.late += 1;
      for (const id of ids) {
        const state = this.stateOf(id);
        state.lateEvents += 1;
        state.lastLateAtWatermarkMs = watermarkMs;
      }
      return 'late';
    }
    this.clock.accepted(tsMs, nowMs);
    const slotMs = floorTo(tsMs, SLOT_MS);
    const minuteMs = floorTo(tsMs, MINUTE_MS);
    const event = {
      isError: isErrorEvent(e),
      duration_ms: e.duration_ms,
      input_tokens: e.input_tokens,
      output_tokens: e.output_tokens,
      cost_usd: e.cost_usd,
    };
    for (const id of ids) {
      const state = this.stateOf(id);
      let minute = state.minutes.get(minuteMs);
      if (minute === undefined) {
        state.minutes.set(minuteMs, (minute = { agg: emptyAggregate(), slots: [] }));
      }
      // An accepted event is newer than the watermark, so its minute's slots were never dropped.
      const slots = (minute.slots ??= []);
      const second = (slotMs - minuteMs) / SLOT_MS;
      const slot = (slots[second] ??= emptyAggregate());
      addEvent(slot, event);
      addEvent(minute.agg, event);
      this.advanceCursorOnEvent(state, minuteMs);
      state.lastEventMs = Math.max(state.lastEventMs, tsMs);
    }
    return 'accepted';
  }

  /**
   * Stats of every series with events in the largest window, one row per (series, window),
   * for windows [W_end − w, W_end) where W_end = {@link windowEndMs}(watermark). Rows are
   * ordered by series, then window ascending.
   */
  snapshot(nowMs: number, filter: SnapshotFilter = {}): SeriesStats[] {
    const endMs = windowEndMs(this.clock.at(nowMs));
    const levels = filter.levels === undefined ? null : new Set(filter.levels);
    const out: SeriesStats[] = [];
    for (const state of this.series.values()) {
      if (levels !== null && !levels.has(state.id.level)) continue;
      if (this.isListed(state, endMs)) this.pushRows(out, state, endMs);
    }
    return out;
  }

  /**
   * Like {@link snapshot} for the `n` series of one level, per project, with the most events
   * in the smallest window (ties: the most recent event first), computing the windows of those
   * only. The others cost an event count each, not a merge of every window: a fleet has
   * thousands of sessions and a tick publishes a few hundred per project.
   */
  snapshotTop(nowMs: number, level: SeriesLevel, n: number): SeriesStats[] {
    const endMs = windowEndMs(this.clock.at(nowMs));
    const fromMs = endMs - this.windowsAsc[0]!;
    const byProject = new Map<string, { state: SeriesState; recent: number }[]>();
    for (const state of this.series.values()) {
      if (state.id.level !== level || !this.isListed(state, endMs)) continue;
      // Nothing since the smallest window began: no need to count.
      const recent = state.lastEventMs < fromMs ? 0 : this.countRange(state, fromMs, endMs);
      const list = byProject.get(state.id.project_id) ?? [];
      list.push({ state, recent });
      byProject.set(state.id.project_id, list);
    }
    const out: SeriesStats[] = [];
    for (const ranked of byProject.values()) {
      ranked.sort((a, b) => b.recent - a.recent || b.state.lastEventMs - a.state.lastEventMs);
      let taken = 0;
      for (const { state } of ranked) {
        if (taken >= n) break;
        if (this.pushRows(out, state, endMs)) taken += 1;
      }
    }
    return out;
  }

  /** Cheap skip: nothing in the largest window (sessions that ended, late-only series). */
  private isListed(state: SeriesState, endMs: number): boolean {
    return state.lastEventMs >= endMs - this.largestMs && state.minutes.size > 0;
  }

  /** Adds a series' rows (one per window) unless its largest window is empty; says if it did. */
  private pushRows(out: SeriesStats[], state: SeriesState, endMs: number): boolean {
    const rows = this.windowsOf(state, endMs);
    if (rows[rows.length - 1]!.events === 0) return false;
    const last_event_ts = new Date(state.lastEventMs).toISOString();
    for (const row of rows) {
      out.push({
        key: state.key,
        series: state.id,
        last_event_ts,
        late_events: state.lateEvents,
        ...row,
      });
    }
    return true;
  }

  /**
   * Minutes that closed since the last call (start + 60 s <= window end), once each, oldest
   * first per series. A series keeps producing zero minutes for `silenceMinutes` after its
   * last event, so a detector sees it go silent; then it stops.
   */
  closedMinutes(nowMs: number): MinutePoint[] {
    const closedBeforeMs = floorTo(windowEndMs(this.clock.at(nowMs)), MINUTE_MS);
    const out: MinutePoint[] = [];
    for (const state of this.series.values()) {
      if (state.nextMinuteMs === null) continue;
      const lastToEmitMs = this.lastMinuteToEmit(state);
      let minuteMs = state.nextMinuteMs;
      while (minuteMs < closedBeforeMs && minuteMs <= lastToEmitMs) {
        out.push(minutePoint(state, minuteMs, state.minutes.get(minuteMs)?.agg));
        minuteMs += MINUTE_MS;
      }
      state.nextMinuteMs = minuteMs;
    }
    return out;
  }

  /**
   * Drops state no window or pending minute needs any more. Work happens only when the window
   * start crossed a minute boundary since the last call, so calling it every second is cheap.
   */
  evict(nowMs: number): void {
    const endMs = windowEndMs(this.clock.at(nowMs));
    // Slots and minutes from here on can still be part of a window.
    const keepFromMs = floorTo(endMs - this.largestMs, MINUTE_MS);
    if (keepFromMs <= this.evictedBeforeMs) return;
    this.evictedBeforeMs = keepFromMs;
    // Minutes not emitted yet are kept for `silenceMinutes`; older ones are lost (the caller
    // has not called closedMinutes for that long).
    const pendingFromMs = floorTo(endMs, MINUTE_MS) - Math.max(this.silenceMs, MINUTE_MS);
    for (const [key, state] of this.series) {
      for (const [minuteMs, minute] of state.minutes) {
        if (minuteMs >= keepFromMs) continue;
        minute.slots = null;
        const emitted = state.nextMinuteMs !== null && minuteMs < state.nextMinuteMs;
        if (emitted || minuteMs < pendingFromMs) state.minutes.delete(minuteMs);
      }
      if (state.nextMinuteMs !== null && state.nextMinuteMs < pendingFromMs) {
        state.nextMinuteMs = pendingFromMs;
      }
      const silentFor = endMs - Math.max(state.lastEventMs, state.lastLateAtWatermarkMs);
      const nothingToEmit =
        state.nextMinuteMs === null || state.nextMinuteMs > this.lastMinuteToEmit(state);
      if (state.minutes.size === 0 && nothingToEmit && silentFor > this.silenceMs) {
        this.series.delete(key);
      }
    }
  }

  private stateOf(id: SeriesId): SeriesState {
    const key = seriesKey(id);
    let state = this.series.get(key);
    if (state === undefined) {
      state = {
        key,
        id,
        minutes: new Map(),
        lastEventMs: Number.NEGATIVE_INFINITY,
        lateEvents: 0,
        lastLateAtWatermarkMs: Number.NEGATIVE_INFINITY,
        nextMinuteMs: null,
      };
      this.series.set(key, state);
    }
    return state;
  }

  private lastMinuteToEmit(state: SeriesState): number {
    return floorTo(state.lastEventMs, MINUTE_MS) + this.silenceMs;
  }

  private advanceCursorOnEvent(state: SeriesState, minuteMs: number): void {
    // An accepted event is never in a minute already emitted (those end at or before the
    // watermark), so the cursor can only move back to a new series' first minute...
    if (state.nextMinuteMs === null || minuteMs < state.nextMinuteMs) {
      state.nextMinuteMs = minuteMs;
      return;
    }
    // ...or jump forward over a silence longer than `silenceMinutes`, which is not replayed.
    if (state.nextMinuteMs > this.lastMinuteToEmit(state)) state.nextMinuteMs = minuteMs;
  }

  /** All windows of one series in one backward walk from `endMs` (they share their end). */
  private windowsOf(state: SeriesState, endMs: number): WindowStats[] {
    const acc = emptyAggregate();
    const rows: WindowStats[] = [];
    let coveredFromMs = endMs;
    for (const windowMs of this.windowsAsc) {
      const startMs = endMs - windowMs;
      this.addRange(acc, state, startMs, coveredFromMs);
      coveredFromMs = startMs;
      rows.push(windowStats(acc, windowMs, startMs, endMs));
    }
    return rows;
  }

  /** Events in [fromMs, toMs), from the same parts {@link addRange} merges. */
  private countRange(state: SeriesState, fromMs: number, toMs: number): number {
    let events = 0;
    this.forEachPart(state, fromMs, toMs, (part) => (events += part.events));
    return events;
  }

  /** Adds [fromMs, toMs) to `acc`. */
  private addRange(acc: WindowAggregate, state: SeriesState, fromMs: number, toMs: number): void {
    this.forEachPart(state, fromMs, toMs, (part) => mergeAggregate(acc, part));
  }

  /** The aggregates that make up [fromMs, toMs): whole minutes' sums, partial ones' slots. */
  private forEachPart(
    state: SeriesState,
    fromMs: number,
    toMs: number,
    visit: (part: WindowAggregate) => void,
  ): void {
    let t = toMs;
    while (t > fromMs) {
      const minuteMs = floorTo(t - 1, MINUTE_MS);
      const segmentFromMs = Math.max(fromMs, minuteMs);
      const minute = state.minutes.get(minuteMs);
      if (minute !== undefined) {
        if (segmentFromMs === minuteMs && t === minuteMs + MINUTE_MS) {
          visit(minute.agg);
        } else {
          const slots = minute.slots;
          const to = (t - minuteMs) / SLOT_MS;
          for (let i = (segmentFromMs - minuteMs) / SLOT_MS; slots !== null && i < to; i++) {
            const slot = slots[i];
            if (slot !== undefined) visit(slot);
          }
        }
      }
      t = segmentFromMs;
    }
  }
}

function windowStats(
  acc: WindowAggregate,
  windowMs: number,
  startMs: number,
  endMs: number,
): WindowStats {
  const minutes = windowMs / MINUTE_MS;
  const [p50, p95] = acc.sketch === null ? [null, null] : acc.sketch.quantiles([0.5, 0.95]);
  const tokens = acc.input_tokens + acc.output_tokens;
  return {
    window: windowLabel(windowMs),
    window_ms: windowMs,
    window_start_ms: startMs,
    window_end_ms: endMs,
    events: acc.events,
    errors: acc.errors,
    error_rate: acc.events === 0 ? 0 : acc.errors / acc.events,
    events_per_min: acc.events / minutes,
    p50_ms: p50 ?? null,
    p95_ms: p95 ?? null,
    latency_samples: acc.sketch?.count ?? 0,
    input_tokens: acc.input_tokens,
    output_tokens: acc.output_tokens,
    tokens_per_min: tokens / minutes,
    cost_usd: acc.cost_usd,
    cost_per_min: acc.cost_usd / minutes,
  };
}

function minutePoint(
  state: SeriesState,
  minuteStartMs: number,
  agg: WindowAggregate | undefined,
): MinutePoint {
  return {
    key: state.key,
    series: state.id,
    minuteStartMs,
    events: agg?.events ?? 0,
    errors: agg?.errors ?? 0,
    p95_ms: agg?.sketch?.quantile(0.95) ?? null,
    latency_samples: agg?.sketch?.count ?? 0,
    tokens: agg === undefined ? 0 : agg.input_tokens + agg.output_tokens,
    cost_usd: agg?.cost_usd ?? 0,
  };
}
