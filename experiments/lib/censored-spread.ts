/**
 * Median and IQR of episodes-to-threshold where a run that never reached the threshold counts as
 * +∞ (right-censored), not as missing: dropping those runs would make a method that often fails
 * look fast. Quantiles use NumPy's default linear interpolation on the sorted values
 * (position p·(n−1)); a quantile that touches a censored run is `null` ("never").
 */
export function censoredQuantile(values: readonly (number | null)[], p: number): number | null {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`censoredQuantile: p must be in [0, 1], got ${p}`);
  if (values.length === 0) return null;
  const xs = values
    .map((v) => (v === null || Number.isNaN(v) ? Number.POSITIVE_INFINITY : v))
    .sort((a, b) => a - b);
  const pos = p * (xs.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const q = lo === hi ? xs[lo] : xs[lo] + (xs[hi] - xs[lo]) * (pos - lo);
  return Number.isFinite(q) ? q : null;
}

export interface CensoredSpread {
  median: number | null;
  q25: number | null;
  q75: number | null;
}

export function censoredSpread(values: readonly (number | null)[]): CensoredSpread {
  return {
    median: censoredQuantile(values, 0.5),
    q25: censoredQuantile(values, 0.25),
    q75: censoredQuantile(values, 0.75),
  };
}
