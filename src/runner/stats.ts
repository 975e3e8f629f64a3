import { mathjs } from "./mathjs.js";

/**
 * Summary statistics for learning curves and per-seed results. Medians and quantiles come
 * from mathjs (`quantileSeq` uses linear interpolation between order statistics, NumPy's
 * default "linear" method), so numbers match `np.median` / `np.percentile`.
 */

function finiteValues(values: ArrayLike<number | null>): number[] {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== null && Number.isFinite(v)) out.push(v);
  }
  return out;
}

/** Median of the finite entries (nulls skipped); `null` when there are none. */
export function median(values: ArrayLike<number | null>): number | null {
  const xs = finiteValues(values);
  return xs.length === 0 ? null : (mathjs().median(xs) as number);
}

/** The `p`-quantile (p ∈ [0, 1]) of the finite entries, linearly interpolated; `null` when empty. */
export function quantile(values: ArrayLike<number | null>, p: number): number | null {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`quantile: p must be in [0, 1], got ${p}`);
  const xs = finiteValues(values);
  return xs.length === 0 ? null : (mathjs().quantileSeq(xs, p) as number);
}

export interface Spread {
  median: number | null;
  q25: number | null;
  q75: number | null;
}

/** Median and interquartile range (25 % and 75 % quantiles). */
export function spread(values: ArrayLike<number | null>): Spread {
  return { median: median(values), q25: quantile(values, 0.25), q75: quantile(values, 0.75) };
}

/** Arithmetic mean of the finite entries; `null` when there are none. */
export function mean(values: ArrayLike<number | null>): number | null {
  const xs = finiteValues(values);
  if (xs.length === 0) return null;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/**
 * Trailing moving average over `window` episodes: out[e] = mean(x[e−w+1 … e]) for e ≥ w−1,
 * NaN before (as pandas' `rolling(w).mean()`).
 */
export function movingAverage(values: ArrayLike<number>, window: number): Float64Array {
  if (!Number.isInteger(window) || window < 1)
    throw new RangeError(`movingAverage: window must be an integer >= 1, got ${window}`);
  const out = new Float64Array(values.length).fill(Number.NaN);
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i];
    if (i >= window) sum -= values[i - window];
    if (i >= window - 1) out[i] = sum / window;
  }
  return out;
}

/** Episodes until the moving average first reaches a threshold (one definition, in src/pg). */
export { episodesToThreshold } from "../pg/reinforce.js";

/** Mean of the last `count` entries (all of them when fewer). */
export function tailMean(values: ArrayLike<number>, count: number): number | null {
  const start = Math.max(0, values.length - count);
  const tail: number[] = [];
  for (let i = start; i < values.length; i++) tail.push(values[i]);
  return mean(tail);
}

/**
 * Per-episode median and IQR band across runs (curves of possibly different lengths; at each
 * episode only the runs that reached it count).
 */
export function curveBand(curves: readonly ArrayLike<number>[]): {
  median: number[];
  q25: number[];
  q75: number[];
} {
  const length = Math.max(0, ...curves.map((c) => c.length));
  const med: number[] = [];
  const lo: number[] = [];
  const hi: number[] = [];
  const column: number[] = [];
  for (let e = 0; e < length; e++) {
    column.length = 0;
    for (const c of curves) if (e < c.length && Number.isFinite(c[e])) column.push(c[e]);
    const s = spread(column);
    med.push(s.median ?? Number.NaN);
    lo.push(s.q25 ?? Number.NaN);
    hi.push(s.q75 ?? Number.NaN);
  }
  return { median: med, q25: lo, q75: hi };
}
