/**
 * Deterministic random numbers for tests and the synthetic evaluation dataset. Never used by
 * the analytics logic itself: the same seed must give the same dataset on every machine.
 */

/** mulberry32: a tiny 32-bit PRNG, good enough for test data (not for cryptography). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Draws from the usual distributions on top of one uniform source. */
export class SeededRandom {
  private readonly next: () => number;

  constructor(seed: number) {
    this.next = mulberry32(seed);
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.next();
  }

  /** Integer in [min, max] (both inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** Standard normal (Box-Muller; one value per call keeps the stream simple). */
  normal(): number {
    // NOTE: 1 - u is in (0, 1], so the log never sees 0.
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** exp(N(mu, sigma)): latency-like, right-skewed. */
  lognormal(mu: number, sigma: number): number {
    return Math.exp(mu + sigma * this.normal());
  }

  /**
   * Poisson(lambda), exact: Knuth's product method on chunks of at most 30 (a sum of Poissons is
   * Poisson). Cost grows with lambda, fine for test volumes; a normal approximation would thin
   * the right tail, which is exactly where false positives come from.
   */
  poisson(lambda: number): number {
    let k = 0;
    let rest = lambda;
    while (rest > 0) {
      const chunk = Math.min(rest, 30);
      rest -= chunk;
      const limit = Math.exp(-chunk);
      let p = this.next();
      while (p > limit) {
        k++;
        p *= this.next();
      }
    }
    return k;
  }

  /**
   * Binomial(n, p): exact trials when cheap; Poisson(np) for rare outcomes (p < 5 %, its tail
   * is slightly heavier, so tests err on the side of more noise); normal when np(1-p) >= 25.
   */
  binomial(n: number, p: number): number {
    if (n <= 0 || p <= 0) return 0;
    if (p >= 1) return n;
    if (n > 100 && p < 0.05) return Math.min(n, this.poisson(n * p));
    const variance = n * p * (1 - p);
    if (n > 100 && variance >= 25) {
      return Math.min(n, Math.max(0, Math.round(n * p + Math.sqrt(variance) * this.normal())));
    }
    let k = 0;
    for (let i = 0; i < n; i++) if (this.next() < p) k++;
    return k;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new RangeError('pick from an empty list');
    return item;
  }
}
