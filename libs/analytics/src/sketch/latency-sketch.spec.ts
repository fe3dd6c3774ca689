import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { quantileSorted } from 'simple-statistics';
import { SeededRandom } from '../testing/seeded-random';
import {
  LatencySketch,
  SKETCH_GAMMA,
  SKETCH_RELATIVE_ERROR,
  quantileFromBuckets,
  sketchIndex,
  sketchValue,
} from './latency-sketch';

const relErr = (got: number, want: number) => Math.abs(got - want) / want;

function lognormalSample(seed: number, n: number): number[] {
  const rnd = new SeededRandom(seed);
  // median ~ 400 ms, long tail: what LLM calls look like.
  return Array.from({ length: n }, () => rnd.lognormal(Math.log(400), 1.1));
}

describe('sketch mapping', () => {
  it('matches the SQL rollup formula ceil(ln(greatest(ms, 0.001)) / ln(1.2))', () => {
    assert.equal(SKETCH_GAMMA, 1.2);
    assert.equal(sketchIndex(1), 0);
    assert.equal(sketchIndex(1.2), 1);
    assert.equal(sketchIndex(100), 26);
    assert.equal(sketchIndex(0), -37);
    assert.equal(sketchIndex(-5), -37, 'negatives share the floor bucket, as in SQL');
    assert.equal(sketchIndex(0.0005), -37);
  });

  it('reads a bucket back within the relative error bound at both of its edges', () => {
    assert.ok(Math.abs(SKETCH_RELATIVE_ERROR - 0.0909) < 0.0001);
    for (const idx of [-37, -3, 0, 1, 26, 200]) {
      const v = sketchValue(idx);
      const upper = Math.pow(SKETCH_GAMMA, idx);
      const lower = Math.pow(SKETCH_GAMMA, idx - 1);
      assert.ok(relErr(v, upper) <= SKETCH_RELATIVE_ERROR + 1e-12);
      assert.ok(relErr(v, lower) <= SKETCH_RELATIVE_ERROR + 1e-12);
      assert.equal(sketchIndex(upper * (1 - 1e-9)), idx);
    }
  });
});

describe('LatencySketch quantiles', () => {
  const data = lognormalSample(42, 20_000);
  const sorted = [...data].sort((a, b) => a - b);
  const sketch = new LatencySketch();
  for (const ms of data) sketch.add(ms);
  const qs = [0, 0.01, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1];

  it('stays within the bound of the exact nearest-rank quantile', () => {
    for (const q of qs) {
      const exact = sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]!;
      const got = sketch.quantile(q)!;
      assert.ok(relErr(got, exact) <= SKETCH_RELATIVE_ERROR + 1e-12, `q=${q}: ${got} vs ${exact}`);
    }
  });

  it('stays close to simple-statistics quantileSorted (interpolated) on 20k points', () => {
    for (const q of qs) {
      const exact = quantileSorted(sorted, q);
      const got = sketch.quantile(q)!;
      // The interpolated and nearest-rank definitions differ by at most one order statistic.
      assert.ok(relErr(got, exact) <= SKETCH_RELATIVE_ERROR + 0.01, `q=${q}: ${got} vs ${exact}`);
    }
  });

  it('answers several quantiles at once like one at a time', () => {
    assert.deepEqual(sketch.quantiles([0.5, 0.95]), [sketch.quantile(0.5), sketch.quantile(0.95)]);
    assert.equal(sketch.count, 20_000);
  });
});

describe('LatencySketch merge', () => {
  it('equals one sketch that saw everything', () => {
    const a = lognormalSample(1, 3000);
    const b = lognormalSample(2, 5000).map((x) => x * 3);
    const all = new LatencySketch();
    const left = new LatencySketch();
    const right = new LatencySketch();
    for (const x of a) {
      all.add(x);
      left.add(x);
    }
    for (const x of b) {
      all.add(x);
      right.add(x);
    }
    left.merge(right);
    assert.deepEqual(left.buckets(), all.buckets());
    assert.equal(left.count, 8000);
    for (const q of [0.5, 0.95, 0.99]) assert.equal(left.quantile(q), all.quantile(q));
  });

  it('round-trips through stored buckets', () => {
    const s = new LatencySketch();
    for (const x of lognormalSample(3, 500)) s.add(x);
    const copy = LatencySketch.fromBuckets(s.buckets());
    assert.deepEqual(copy.buckets(), s.buckets());
    assert.equal(copy.quantile(0.95), s.quantile(0.95));
  });
});

describe('edge cases', () => {
  it('is null when empty', () => {
    assert.equal(new LatencySketch().quantile(0.5), null);
    assert.deepEqual(new LatencySketch().quantiles([0.5, 0.95]), [null, null]);
    assert.equal(quantileFromBuckets([], 0.95), null);
    assert.equal(quantileFromBuckets([[3, 0]], 0.95), null);
  });

  it('handles 0 ms, sub-millisecond and huge durations', () => {
    const s = new LatencySketch();
    s.add(0);
    s.add(0.0002, 2);
    s.add(0.5);
    s.add(3_600_000 * 24 * 365);
    assert.equal(s.count, 5);
    assert.ok(s.quantile(0)! < 0.0011);
    assert.ok(relErr(s.quantile(0.8)!, 0.5) <= SKETCH_RELATIVE_ERROR);
    assert.ok(relErr(s.quantile(1)!, 3_600_000 * 24 * 365) <= SKETCH_RELATIVE_ERROR);
  });

  it('adds n observations at once and ignores n = 0', () => {
    const s = new LatencySketch();
    s.add(10, 99);
    s.add(1000, 1);
    s.add(5, 0);
    assert.equal(s.count, 100);
    assert.ok(relErr(s.quantile(0.99)!, 10) <= SKETCH_RELATIVE_ERROR);
    assert.ok(relErr(s.quantile(0.995)!, 1000) <= SKETCH_RELATIVE_ERROR);
  });

  it('refuses non-finite durations, bad counts and quantiles outside [0, 1]', () => {
    const s = new LatencySketch();
    assert.throws(() => s.add(Number.NaN), RangeError);
    assert.throws(() => s.add(Number.POSITIVE_INFINITY), RangeError);
    assert.throws(() => s.add(1, -1), RangeError);
    assert.throws(() => s.add(1, 1.5), RangeError);
    assert.throws(() => s.quantile(1.01), RangeError);
    assert.throws(() => s.quantile(Number.NaN), RangeError);
    assert.throws(() => LatencySketch.fromBuckets([[1.5, 1]]), RangeError);
  });
});

describe('quantileFromBuckets', () => {
  it('sums duplicated idx and does not need sorted input (raw rollup rows)', () => {
    // idx 10 twice (two minutes) = 6, idx 5 = 4: ranks 1-4 in idx 5, 5-10 in idx 10.
    const rows: [number, number][] = [
      [10, 3],
      [5, 4],
      [10, 3],
    ];
    assert.equal(quantileFromBuckets(rows, 0.4), sketchValue(5));
    assert.equal(quantileFromBuckets(rows, 0.41), sketchValue(10));
    assert.equal(quantileFromBuckets(rows, 0), sketchValue(5));
    assert.equal(quantileFromBuckets(rows, 1), sketchValue(10));
  });
});
