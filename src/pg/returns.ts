/**
 * Monte-Carlo discounted returns as the LRPG reference code computes them (docs/lrpg.md):
 * G[T−1] = r[T−1], G[t] = r[t] + γ·G[t+1]. No bootstrap, not even when the episode was cut at T.
 * Writes into `out` (allocated when omitted) and returns it.
 */
export function discountedReturns(
  rewards: ArrayLike<number>,
  gamma: number,
  length: number = rewards.length,
  out: Float64Array = new Float64Array(length),
): Float64Array {
  if (!(gamma >= 0 && gamma <= 1))
    throw new RangeError(`discountedReturns: gamma must be in [0, 1], got ${gamma}`);
  if (!Number.isInteger(length) || length < 0 || length > rewards.length) {
    throw new RangeError(
      `discountedReturns: length must be an integer in [0, ${rewards.length}], got ${length}`,
    );
  }
  if (out.length < length)
    throw new RangeError(`discountedReturns: out has ${out.length} entries, need ${length}`);
  if (length === 0) return out;
  let g = rewards[length - 1];
  out[length - 1] = g;
  for (let t = length - 2; t >= 0; t--) {
    g = rewards[t] + gamma * g;
    out[t] = g;
  }
  return out;
}
