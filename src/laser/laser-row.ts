import { mean, pairedBootstrapInterval, sampleStd, type BootstrapOptions } from "./paired-stats.js";

/** How a trial replaced the weight: truncated SVD of the matrix, or a CP / Tucker model of a conv kernel. */
export type LaserMethod = "svd" | "cp" | "tucker";

/** Return statistics of the unmodified policy over the evaluation seeds. */
export interface LaserBaseline {
  readonly episodes: number;
  readonly meanReturn: number;
  readonly stdReturn: number;
  readonly returns: readonly number[];
}

/**
 * One row of the LASER table: the RL_Rank_Reduction experiment's columns (layer, target rank, mean/std return, mean/std delta)
 * plus what that table lacked (paired bootstrap interval of the delta, its significance flag, the
 * spectral energy kept, the parameter count after truncation, and the null-control marker).
 */
export interface LaserRow {
  readonly layer: string;
  readonly method: LaserMethod;
  /** Target rank (CP: number of components; Tucker: the largest mode rank, see `ranks`). */
  readonly rank: number;
  /** Per-mode ranks (Tucker); [rank] otherwise. */
  readonly ranks: readonly number[];
  /** Human-readable rank, e.g. "17", "8", "8x4x3x3". */
  readonly rankLabel: string;
  /** Max rank of the matrix (SVD) — k = maxRank is the null control; null for CP. */
  readonly maxRank: number | null;
  /** rank / maxRank (SVD; Tucker: of the first mode); null for CP. */
  readonly rankFraction: number | null;
  /** The trial reproduces the original weights exactly by construction (delta must be exactly 0). */
  readonly nullControl: boolean;
  /** Σ_{i≤k}σᵢ²/Σσᵢ² (SVD only; null otherwise). */
  readonly energyKept: number | null;
  /** ‖W − Ŵ‖_F / ‖W‖_F of the replacement. */
  readonly relativeError: number;
  /** Parameters of the factored replacement: k·(m+n) for SVD; R·(ΣIₙ) for CP; ΠRₙ + ΣIₙRₙ for Tucker. */
  readonly parameters: number;
  /** Parameters of the matrix / kernel as stored densely (m·n or ΠIₙ). */
  readonly parametersDense: number;
  readonly meanReturn: number;
  /** Sample std (n − 1) of the returns over the evaluation seeds. */
  readonly stdReturn: number;
  /** mean(treated) − mean(baseline), over the same seeds. */
  readonly meanDelta: number;
  /** std(treated) − std(baseline): the RL_Rank_Reduction experiment's "std_reward_delta" (a difference of spreads). */
  readonly stdDelta: number;
  /** Sample std of the paired differences dᵢ (what the confidence interval is built from). */
  readonly pairedStd: number;
  /** Bootstrap interval of mean(dᵢ). */
  readonly ciLow: number;
  readonly ciHigh: number;
  /** The interval excludes zero. */
  readonly excludesZero: boolean;
  /** Per-seed returns of this trial (JSON output only). */
  readonly returns: readonly number[];
}

export function makeBaseline(returns: Float64Array): LaserBaseline {
  return {
    episodes: returns.length,
    meanReturn: mean(returns),
    stdReturn: sampleStd(returns),
    returns: Array.from(returns),
  };
}

/** The return columns of a row from this trial's per-seed returns and the baseline's. */
export function returnColumns(
  returns: Float64Array,
  baseline: LaserBaseline,
  bootstrap: BootstrapOptions,
): Pick<
  LaserRow,
  | "meanReturn"
  | "stdReturn"
  | "meanDelta"
  | "stdDelta"
  | "pairedStd"
  | "ciLow"
  | "ciHigh"
  | "excludesZero"
  | "returns"
> {
  if (returns.length !== baseline.episodes) {
    throw new RangeError(
      `trial evaluated ${returns.length} episodes, baseline ${baseline.episodes}: evaluations must share the seeds`,
    );
  }
  const d = new Float64Array(returns.length);
  for (let i = 0; i < d.length; i++) d[i] = returns[i] - baseline.returns[i];
  const ci = pairedBootstrapInterval(d, bootstrap);
  const meanReturn = mean(returns);
  const stdReturn = sampleStd(returns);
  return {
    meanReturn,
    stdReturn,
    meanDelta: mean(d),
    stdDelta: stdReturn - baseline.stdReturn,
    pairedStd: sampleStd(d),
    ciLow: ci.low,
    ciHigh: ci.high,
    excludesZero: ci.excludesZero,
    returns: Array.from(returns),
  };
}
