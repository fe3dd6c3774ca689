import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { robustBaseline, scoreAgainst } from './robust-baseline';

const close = (a: number, b: number, eps = 1e-6) => Math.abs(a - b) <= eps;

describe('robustBaseline', () => {
  it('is the median and MAD of the values (simple-statistics), null when empty', () => {
    const b = robustBaseline([94, 97, 100, 103, 106, 100, 250], 'poisson', 'recent')!;
    assert.deepEqual([b.median, b.mad, b.n, b.source], [100, 3, 7, 'recent']);
    assert.equal(robustBaseline([], 'relative', 'recent'), null);
  });

  it('works on logs for the log model and ignores non-positive values', () => {
    const b = robustBaseline([100, 200, 400, 0], 'log', 'seasonal')!;
    assert.ok(close(b.median, 200));
    assert.ok(close(b.mad, Math.log(2)));
    assert.equal(b.n, 3);
  });
});

describe('scoreAgainst: poisson (counts)', () => {
  const steady = robustBaseline([10, 10, 10, 10, 10], 'poisson', 'recent')!;

  it('does not explode on a perfectly steady history', () => {
    const band = scoreAgainst(steady, 10, 14, 'up', 4, 0.1);
    assert.ok(band.score > 0 && band.score < 2, `score ${band.score}`);
  });

  it('uses the Anscombe bounds: 100 → [63.9, 144.1] at sensitivity 4', () => {
    const b = robustBaseline([94, 97, 100, 103, 106], 'poisson', 'recent')!;
    const band = scoreAgainst(b, 100, 150, 'up', 4, 0.1);
    assert.ok(close(band.upper, (Math.sqrt(100.375) + 2) ** 2 - 0.375));
    assert.ok(close(band.lower, (Math.sqrt(100.375) - 2) ** 2 - 0.375));
    assert.ok(close(band.score, 2 * (Math.sqrt(150.375) - Math.sqrt(100.375))));
    // Breaching exactly when beyond the band, in both directions.
    assert.ok(scoreAgainst(b, 100, 145, 'up', 4, 0.1).score >= 4);
    assert.ok(scoreAgainst(b, 100, 144, 'up', 4, 0.1).score < 4);
    assert.ok(scoreAgainst(b, 100, 63, 'down', 4, 0.1).score >= 4);
    assert.ok(scoreAgainst(b, 100, 64, 'down', 4, 0.1).score < 4);
  });

  it('is stricter than a √median floor at small counts (8 errors against a usual 2)', () => {
    const b = robustBaseline([1, 2, 2, 3, 2], 'poisson', 'recent')!;
    const naive = (8 - 2) / Math.max(1.4826 * b.mad, Math.sqrt(2));
    assert.ok(naive >= 4);
    assert.ok(scoreAgainst(b, 2, 8, 'up', 4, 0.1).score < 4);
    assert.ok(scoreAgainst(b, 2, 13, 'up', 4, 0.1).score >= 4);
  });

  it('lets a wide history (MAD above Poisson) widen the band', () => {
    const wide = robustBaseline([50, 80, 100, 120, 150], 'poisson', 'recent')!;
    const band = scoreAgainst(wide, 100, 150, 'up', 4, 0.1);
    assert.ok(close(band.score, 50 / (1.4826 * 20)));
    assert.ok(close(band.upper, 100 + 4 * 1.4826 * 20));
  });
});

describe('scoreAgainst: log and relative', () => {
  it('scores latency on ratios with a 10 % floor', () => {
    const flat = robustBaseline([1000, 1000, 1000], 'log', 'recent')!;
    const band = scoreAgainst(flat, 1000, 1100, 'up', 4, 0.1);
    assert.ok(close(band.score, 1));
    assert.ok(close(band.upper, 1000 * 1.1 ** 4));
    assert.ok(close(band.lower, 1000 / 1.1 ** 4));
  });

  it('floors tokens and cost at 10 % of the expected value', () => {
    const flat = robustBaseline([5, 5, 5], 'relative', 'recent')!;
    const band = scoreAgainst(flat, 5, 7, 'up', 4, 0.1);
    assert.ok(close(band.score, 4));
    assert.ok(close(band.upper, 7));
    assert.ok(close(band.lower, 3));
  });
});
