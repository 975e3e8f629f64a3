import type { LaserBaseline, LaserRow } from "./laser-row.js";
import { mean, pairedBootstrapInterval, type BootstrapOptions } from "./paired-stats.js";

/** The best intervention chosen on validation seeds and re-measured on held-out seeds. */
export interface HeldOutSelection {
  /** Seeds [0, validationEpisodes) choose; seeds [validationEpisodes, n) measure. */
  readonly validationEpisodes: number;
  readonly heldOutEpisodes: number;
  /** The trial with the largest mean validation delta (null controls excluded); null if there is none. */
  readonly best: {
    readonly layer: string;
    readonly method: string;
    readonly rankLabel: string;
    readonly validationDelta: number;
    readonly heldOutDelta: number;
    readonly ciLow: number;
    readonly ciHigh: number;
    readonly excludesZero: boolean;
  } | null;
}

/**
 * LASER's selection protocol (Sharma et al. 2024 pick the intervention on a 20 % validation split and
 * report on the other 80 %), on evaluation seeds: the max over many trials of a noisy delta is biased
 * upwards (a winner's curse), so the chosen trial's delta is re-estimated, with its paired bootstrap
 * interval, only on seeds that played no part in choosing it.
 */
export function selectOnHeldOutSeeds(
  rows: readonly LaserRow[],
  baseline: LaserBaseline,
  options: { validationFraction?: number; bootstrap?: BootstrapOptions } = {},
): HeldOutSelection {
  const fraction = options.validationFraction ?? 0.2;
  if (!(fraction > 0 && fraction < 1))
    throw new RangeError(`validationFraction must be in (0, 1), got ${fraction}`);
  const n = baseline.episodes;
  const nVal = Math.max(1, Math.floor(fraction * n));
  if (n - nVal < 1) return { validationEpisodes: nVal, heldOutEpisodes: 0, best: null };
  const diffs = (r: LaserRow, lo: number, hi: number) =>
    Float64Array.from({ length: hi - lo }, (_, i) => r.returns[lo + i] - baseline.returns[lo + i]);
  let best: LaserRow | null = null;
  let bestVal = -Infinity;
  for (const r of rows) {
    if (r.nullControl) continue;
    const v = mean(diffs(r, 0, nVal));
    if (v > bestVal) {
      bestVal = v;
      best = r;
    }
  }
  if (!best) return { validationEpisodes: nVal, heldOutEpisodes: n - nVal, best: null };
  const test = diffs(best, nVal, n);
  const ci = pairedBootstrapInterval(test, options.bootstrap);
  return {
    validationEpisodes: nVal,
    heldOutEpisodes: n - nVal,
    best: {
      layer: best.layer,
      method: best.method,
      rankLabel: best.rankLabel,
      validationDelta: bestVal,
      heldOutDelta: mean(test),
      ciLow: ci.low,
      ciHigh: ci.high,
      excludesZero: ci.excludesZero,
    },
  };
}
