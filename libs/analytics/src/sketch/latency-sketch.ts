/**
 * A mergeable latency histogram with logarithmic buckets (the DDSketch mapping, without its
 * bucket collapsing: latencies span a few dozen buckets per decade, so memory stays small).
 *
 * Bucket `idx` holds values in (γ^(idx-1), γ^idx]; reading a bucket back as
 * `2·γ^idx / (γ + 1)` keeps the relative error of any quantile within (γ-1)/(γ+1) ≈ 9.09 %.
 * Counts per idx add up exactly, so sketches merge across slots, minutes, series and with the
 * SQL rollups (`latency_hist_*`), which use the same mapping.
 */

/**
 * NOTE: the SQL rollups compute the same idx:
 * `ceil(ln(greatest(duration_ms, 0.001)) / ln(1.2))::int`. Change both or neither.
 */
export const SKETCH_GAMMA = 1.2;

/** Durations are floored here before taking the log (0 ms and negatives share one bucket). */
export const SKETCH_MIN_MS = 0.001;

/** Worst-case relative error of a value read back from a bucket. */
export const SKETCH_RELATIVE_ERROR = (SKETCH_GAMMA - 1) / (SKETCH_GAMMA + 1);

const LN_GAMMA = Math.log(SKETCH_GAMMA);

/** Bucket index of a duration in milliseconds. */
export function sketchIndex(ms: number): number {
  // NOTE: `+ 0` turns Math.ceil's -0 (for ms just under 1) into 0.
  return Math.ceil(Math.log(Math.max(ms, SKETCH_MIN_MS)) / LN_GAMMA) + 0;
}

/** The representative duration (ms) of a bucket: the point of least relative error. */
export function sketchValue(idx: number): number {
  return (2 * Math.pow(SKETCH_GAMMA, idx)) / (SKETCH_GAMMA + 1);
}

function assertQuantile(q: number): void {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be within [0, 1], got ${q}`);
}

/**
 * Nearest-rank quantile of bucket counts: rank = max(1, ceil(q·total)), then the first bucket
 * (ascending idx) whose cumulative count reaches the rank. Duplicate idx entries are summed and
 * non-positive counts ignored, so raw SQL rows (one per minute and idx) can be passed as they
 * are. Null when there is nothing to rank.
 */
export function quantileFromBuckets(
  buckets: Iterable<readonly [idx: number, count: number]>,
  q: number,
): number | null {
  assertQuantile(q);
  const merged = new Map<number, number>();
  for (const [idx, count] of buckets) {
    if (count > 0) merged.set(idx, (merged.get(idx) ?? 0) + count);
  }
  return quantilesOfSorted(sortedEntries(merged), [q])[0] ?? null;
}

function sortedEntries(counts: ReadonlyMap<number, number>): [number, number][] {
  return [...counts.entries()].sort((a, b) => a[0] - b[0]);
}

/** One ascending walk for several quantiles; `sorted` holds positive counts only. */
function quantilesOfSorted(
  sorted: readonly (readonly [number, number])[],
  qs: readonly number[],
): (number | null)[] {
  let total = 0;
  for (const [, count] of sorted) total += count;
  return qs.map((q) => {
    if (total === 0) return null;
    const rank = Math.max(1, Math.ceil(q * total));
    let cumulative = 0;
    for (const [idx, count] of sorted) {
      cumulative += count;
      if (cumulative >= rank) return sketchValue(idx);
    }
    // Unreachable: the last bucket brings cumulative to total >= rank.
    return null;
  });
}

export class LatencySketch {
  /**
   * Dense counts: `counts[i]` is bucket `offset + i`. A series' latencies span a few dozen
   * buckets, so an array beats a Map here: merging is a loop of additions and quantiles walk it
   * in order without sorting (the windows merge thousands of sketches a second).
   */
  private counts: number[] = [];
  private offset = 0;
  private total = 0;

  /** Adds `n` observations of `ms`. Throws on a non-finite duration or a bad count. */
  add(ms: number, n = 1): void {
    if (!Number.isFinite(ms)) throw new RangeError(`duration must be finite, got ${ms}`);
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`count must be an integer >= 0`);
    if (n === 0) return;
    const idx = sketchIndex(ms);
    this.cover(idx, idx);
    this.counts[idx - this.offset]! += n;
    this.total += n;
  }

  /** Adds every observation of `other` (exact: counts per bucket add up). */
  merge(other: LatencySketch): void {
    if (other.total === 0) return;
    const from = other.offset;
    this.cover(from, from + other.counts.length - 1);
    const shift = from - this.offset;
    const source = other.counts;
    const target = this.counts;
    for (let i = 0; i < source.length; i++) target[shift + i]! += source[i]!;
    this.total += other.total;
  }

  /** Nearest-rank quantile in ms, or null when empty. */
  quantile(q: number): number | null {
    assertQuantile(q);
    return this.quantiles([q])[0] ?? null;
  }

  /** Several quantiles in one ascending walk of the buckets (p50 and p95 on every snapshot). */
  quantiles(qs: readonly number[]): (number | null)[] {
    qs.forEach(assertQuantile);
    return quantilesOfSorted(this.buckets(), qs);
  }

  /** Makes the dense array reach buckets [lo, hi]. */
  private cover(lo: number, hi: number): void {
    if (this.counts.length === 0) {
      this.offset = lo;
      this.counts = new Array<number>(hi - lo + 1).fill(0);
      return;
    }
    if (lo < this.offset) {
      this.counts = new Array<number>(this.offset - lo).fill(0).concat(this.counts);
      this.offset = lo;
    }
    const end = this.offset + this.counts.length - 1;
    for (let i = end; i < hi; i++) this.counts.push(0);
  }

  get count(): number {
    return this.total;
  }

  /** `[idx, count]` pairs of the non-empty buckets, ascending idx: what the rollups store. */
  buckets(): [idx: number, count: number][] {
    const out: [number, number][] = [];
    for (let i = 0; i < this.counts.length; i++) {
      if (this.counts[i]! > 0) out.push([this.offset + i, this.counts[i]!]);
    }
    return out;
  }

  /** Rebuilds a sketch from stored pairs; duplicate idx are summed, counts must be integers. */
  static fromBuckets(pairs: Iterable<readonly [idx: number, count: number]>): LatencySketch {
    const sketch = new LatencySketch();
    for (const [idx, count] of pairs) {
      if (!Number.isInteger(idx)) throw new RangeError(`bucket idx must be an integer, got ${idx}`);
      if (!Number.isInteger(count) || count < 0) {
        throw new RangeError(`bucket count must be an integer >= 0, got ${count}`);
      }
      if (count === 0) continue;
      sketch.cover(idx, idx);
      sketch.counts[idx - sketch.offset]! += count;
      sketch.total += count;
    }
    return sketch;
  }
}
