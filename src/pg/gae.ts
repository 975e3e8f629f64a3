import type { TransitionBatch } from "./batch-update.js";

/**
 * Generalized advantage estimation over a multi-episode batch in one backward sweep, in the
 * tensor-low-rank reference's form and operation order (docs/tensor-pg.md). Going i = N−1 … 0
 * with (R', V', A') the return, value and advantage of transition i+1 of the same episode:
 *
 *   R_i = r_i + γ·R',   δ_i = r_i + γ·V' − V_i,   A_i = δ_i + γτ·A'.
 *
 * At an episode's last transition, R' = V' = b and A' = 0 with b = 0 when the episode
 * terminated and b = V(s') (`bootstrap[e]`) when it was cut: the reference's mask m = 1 − done
 * is exactly b = 0 (it ends every episode with done = 1). τ = 0 gives the TD error, τ = 1 the
 * Monte-Carlo advantage R_i − V_i. Writes `returns` and `advantages` (N each).
 */
export function gaeAdvantages(
  batch: Pick<TransitionBatch, "length" | "rewards" | "episodeCount" | "episodeEnds" | "terminated">,
  values: ArrayLike<number>,
  bootstrap: ArrayLike<number> | null,
  gamma: number,
  tau: number,
  returns: Float64Array,
  advantages: Float64Array,
): void {
  if (!(gamma >= 0 && gamma <= 1))
    throw new RangeError(`gaeAdvantages: gamma must be in [0, 1], got ${gamma}`);
  if (!(tau >= 0 && tau <= 1))
    throw new RangeError(`gaeAdvantages: tau (GAE λ) must be in [0, 1], got ${tau}`);
  const { rewards, episodeEnds, terminated } = batch;
  const gt = gamma * tau;
  let e = batch.episodeCount - 1;
  let prevReturn = 0;
  let prevValue = 0;
  let prevAdv = 0;
  for (let i = batch.length - 1; i >= 0; i--) {
    if (e >= 0 && i === episodeEnds[e] - 1) {
      const b = terminated[e] ? 0 : bootstrap === null ? 0 : bootstrap[e];
      prevReturn = b;
      prevValue = b;
      prevAdv = 0;
      e--;
    }
    const r = rewards[i];
    const v = values[i];
    const R = r + gamma * prevReturn;
    const delta = r + gamma * prevValue - v;
    const A = delta + gt * prevAdv;
    returns[i] = R;
    advantages[i] = A;
    prevReturn = R;
    prevValue = v;
    prevAdv = A;
  }
}

/**
 * x ← (x − mean x) / std x over the first N entries, std with Bessel's correction (N − 1), as
 * the reference standardizes its advantages. Needs N ≥ 2; a constant x gives NaN like torch
 * (0/0) unless `epsilon` > 0 is added to the std.
 */
export function standardize(x: Float64Array, N: number, out: Float64Array = x, epsilon = 0): Float64Array {
  if (!Number.isInteger(N) || N < 2) throw new RangeError(`standardize: need N >= 2 entries, got ${N}`);
  let sum = 0;
  for (let i = 0; i < N; i++) sum += x[i];
  const mean = sum / N;
  let ss = 0;
  for (let i = 0; i < N; i++) {
    const c = x[i] - mean;
    ss += c * c;
  }
  const std = Math.sqrt(ss / (N - 1)) + epsilon;
  for (let i = 0; i < N; i++) out[i] = (x[i] - mean) / std;
  return out;
}
