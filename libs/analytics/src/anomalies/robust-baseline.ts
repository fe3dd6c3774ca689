import { median, medianAbsoluteDeviation } from 'simple-statistics';
import type { BaselineSource } from './anomaly-kinds';

/** MAD × 1.4826 estimates the standard deviation of normally distributed data. */
export const MAD_TO_SIGMA = 1.4826;

/**
 * How a metric's noise is modelled, i.e. how the robust z-score (actual − median) /
 * (1.4826·MAD) is kept honest where MAD alone fails:
 *
 * - `poisson` (events, errors per minute): counts are at least Poisson-noisy, so a perfectly
 *   steady history (MAD = 0) must not make 14 instead of 10 look infinite. The score is the
 *   smaller of the MAD z and a Poisson z taken after the variance-stabilising (Anscombe)
 *   transform 2·√(x + 3/8). That is the `max(1.4826·MAD, √median)` floor done right in the
 *   tails: with a plain √median floor, 8 errors against a usual 2 scores 4.2 although Poisson
 *   gives it p ≈ 1e-3 (it was the largest source of false positives in the evaluation); the
 *   Anscombe z needs 13 there, and at 100 ± 10 it needs 145 (≈ the normal 140).
 * - `log` (p95 latency): latency is multiplicative and a per-minute p95 is right-skewed, so the
 *   z-score is taken on ln(value), i.e. on ratios. The floor is ln(1 + relativeFloor), 10 % by
 *   default. NOTE: p95 comes from the latency sketch, so it moves in steps of one bucket
 *   (×γ = ×1.2); against a flat history one step scores ln 1.2 / ln 1.1 ≈ 1.9, well below the
 *   threshold, and the MAD of such stepped values is coarse, which the floor also covers.
 * - `relative` (tokens, cost per minute): linear z-score with a floor of relativeFloor × the
 *   expected value, since their noise grows with their level; a flat history (one agent
 *   billing a fixed amount a minute) then needs a 40 % jump at sensitivity 4, not 1 cent.
 */
export type ScaleModel = 'poisson' | 'log' | 'relative';

export interface Baseline {
  source: BaselineSource;
  model: ScaleModel;
  /** Number of values it was computed from. */
  n: number;
  /** Median in the metric's unit (for `log`: exp of the median of the logs). */
  median: number;
  /** MAD in the model's unit (for `log`: of the logs). */
  mad: number;
}

/** Median / MAD of `values` under `model`; null without usable values (`log` needs > 0). */
export function robustBaseline(
  values: readonly number[],
  model: ScaleModel,
  source: BaselineSource,
): Baseline | null {
  const xs = model === 'log' ? values.filter((v) => v > 0).map(Math.log) : [...values];
  if (xs.length === 0) return null;
  const m = median(xs);
  return {
    source,
    model,
    n: xs.length,
    median: model === 'log' ? Math.exp(m) : m,
    mad: medianAbsoluteDeviation(xs),
  };
}

export interface Band {
  expected: number;
  /** The values beyond which `actual` breaches at `threshold`; lower clamped at 0. */
  lower: number;
  upper: number;
  /** Robust z in the asked direction (positive = away from expected that way). */
  score: number;
}

const anscombe = (x: number) => 2 * Math.sqrt(Math.max(x, 0) + 3 / 8);
const fromAnscombe = (y: number) => (y / 2) ** 2 - 3 / 8;

/**
 * Scores `actual` against `expected` (usually the baseline median, possibly raised by what the
 * current volume explains) with the baseline's spread, and gives the breach band.
 */
export function scoreAgainst(
  base: Baseline,
  expected: number,
  actual: number,
  direction: 'up' | 'down',
  threshold: number,
  relativeFloor: number,
): Band {
  const sign = direction === 'up' ? 1 : -1;
  const robust = MAD_TO_SIGMA * base.mad;
  switch (base.model) {
    case 'poisson': {
      const diff = sign * (actual - expected);
      const zMad =
        robust > 0
          ? diff / robust
          : diff > 0
            ? Number.POSITIVE_INFINITY
            : diff < 0
              ? Number.NEGATIVE_INFINITY
              : 0;
      const zPoisson = sign * (anscombe(actual) - anscombe(expected));
      const poissonLower =
        anscombe(expected) - threshold > anscombe(0)
          ? fromAnscombe(anscombe(expected) - threshold)
          : 0;
      return {
        expected,
        lower: Math.max(0, Math.min(expected - threshold * robust, poissonLower)),
        upper: Math.max(
          expected + threshold * robust,
          fromAnscombe(anscombe(expected) + threshold),
        ),
        score: Math.min(zMad, zPoisson),
      };
    }
    case 'log': {
      const scale = Math.max(robust, Math.log1p(relativeFloor));
      const score = actual > 0 && expected > 0 ? (sign * Math.log(actual / expected)) / scale : 0;
      return {
        expected,
        lower: expected * Math.exp(-threshold * scale),
        upper: expected * Math.exp(threshold * scale),
        score,
      };
    }
    case 'relative': {
      const scale = Math.max(robust, relativeFloor * Math.max(expected, 0));
      const score = scale > 0 ? (sign * (actual - expected)) / scale : 0;
      return {
        expected,
        lower: Math.max(0, expected - threshold * scale),
        upper: expected + threshold * scale,
        score,
      };
    }
  }
}
