import { Rng } from "../random/rng.js";

export function mean(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return s / x.length;
}

/** Sample standard deviation (n − 1 denominator; 0 for a single value). */
export function sampleStd(x: ArrayLike<number>): number {
  const n = x.length;
  if (n < 2) return 0;
  const m = mean(x);
  let s = 0;
  for (let i = 0; i < n; i++) s += (x[i] - m) * (x[i] - m);
  return Math.sqrt(s / (n - 1));
}

export interface BootstrapOptions {
  /** Number of bootstrap resamples B (default 10 000). */
  readonly resamples?: number;
  /** Two-sided confidence level (default 0.95). */
  readonly confidence?: number;
  /** Seed of the resampling generator (default 0), so intervals are reproducible. */
  readonly seed?: number;
}

export interface PairedInterval {
  readonly low: number;
  readonly high: number;
  /** low > 0 or high < 0: the interval excludes a zero mean difference. */
  readonly excludesZero: boolean;
}

/**
 * Percentile bootstrap interval for the mean of paired differences dᵢ = treatedᵢ − baselineᵢ,
 * one per evaluation seed (Efron & Tibshirani 1993, ch. 13): resample the n seeds with
 * replacement B times, take the mean of each resample, report the α/2 and 1 − α/2 quantiles
 * (linear interpolation between order statistics). Pairing by seed removes the between-episode
 * variance the RL_Rank_Reduction experiment's table left in. If every dᵢ is equal the interval is the point [d, d].
 */
export function pairedBootstrapInterval(
  differences: ArrayLike<number>,
  options: BootstrapOptions = {},
): PairedInterval {
  const n = differences.length;
  if (n === 0) throw new RangeError("pairedBootstrapInterval: need at least one paired difference");
  const B = options.resamples ?? 10_000;
  const confidence = options.confidence ?? 0.95;
  if (!Number.isInteger(B) || B < 1)
    throw new RangeError(`bootstrap resamples must be an integer >= 1, got ${B}`);
  if (!(confidence > 0 && confidence < 1))
    throw new RangeError(`bootstrap confidence must be in (0, 1), got ${confidence}`);
  let allEqual = true;
  for (let i = 1; i < n; i++) if (differences[i] !== differences[0]) allEqual = false;
  if (allEqual) {
    const d = differences[0];
    return { low: d, high: d, excludesZero: d !== 0 };
  }
  const rng = new Rng(options.seed ?? 0);
  const means = new Float64Array(B);
  for (let b = 0; b < B; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += differences[rng.integer(n)];
    means[b] = s / n;
  }
  means.sort();
  const alpha = 1 - confidence;
  const low = quantileSorted(means, alpha / 2);
  const high = quantileSorted(means, 1 - alpha / 2);
  return { low, high, excludesZero: low > 0 || high < 0 };
}

/** Quantile q of sorted data, linear interpolation between order statistics (numpy's default). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
}
