/**
 * Event-time watermark with idleness (as Flink's `forBoundedOutOfOrderness` +
 * `withIdleness`): W = max(min(maxEventTs, now), idle ? now − idleMs : −∞) − allowedLatenessMs.
 * An event with ts <= W on arrival is late.
 *
 * "Idle" means no event was accepted for `idleMs` of processing time (the clock passed in as
 * `nowMs`). While events stream in live this is the same as `max(min(maxTs, now), now − idleMs)`;
 * it differs only when accepted events keep arriving with old timestamps (the worker is
 * catching up on a Kafka backlog): then W follows the events instead of the clock, so the
 * backlog fills the windows in event-time order instead of being refused as late wholesale
 * (which would also look like every series going silent at once).
 *
 * The watermark never moves back, even if `nowMs` does (clock step, NTP): windows already
 * reported and minutes already closed stay final.
 */
export class WatermarkTracker {
  private maxEventMs = Number.NEGATIVE_INFINITY;
  private lastAcceptedAtMs: number | null = null;
  private firstNowMs: number | null = null;
  private currentMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly idleMs: number,
    private readonly allowedLatenessMs: number,
  ) {}

  /** The watermark at `nowMs` (and remembers it: it is monotonic). */
  at(nowMs: number): number {
    // NOTE: before any event, idleness counts from the first call, so a worker that starts on
    // a backlog gets `idleMs` to see its first event before the clock takes over.
    this.firstNowMs ??= nowMs;
    const idleSince = this.lastAcceptedAtMs ?? this.firstNowMs;
    const idle = nowMs - idleSince >= this.idleMs;
    const eventClock = Math.min(this.maxEventMs, nowMs);
    const candidate =
      Math.max(eventClock, idle ? nowMs - this.idleMs : Number.NEGATIVE_INFINITY) -
      this.allowedLatenessMs;
    if (candidate > this.currentMs) this.currentMs = candidate;
    return this.currentMs;
  }

  /** Records an accepted event. A timestamp ahead of the clock counts as `nowMs`. */
  accepted(tsMs: number, nowMs: number): void {
    this.maxEventMs = Math.max(this.maxEventMs, Math.min(tsMs, nowMs));
    this.lastAcceptedAtMs = Math.max(this.lastAcceptedAtMs ?? nowMs, nowMs);
  }
}
