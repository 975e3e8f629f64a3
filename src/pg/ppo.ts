/**
 * PPO's clipped surrogate as the tensor-low-rank reference evaluates and differentiates it
 * (torch autograd, docs/tensor-pg.md). Over N transitions with ρ_i = exp(log π_i − log π_old,i):
 *
 *   L = −(1/N) Σ_i min(s1_i, s2_i),   s1_i = ρ_i Â_i,   s2_i = clip(ρ_i, 1 − ε, 1 + ε) Â_i.
 *
 * ∂L/∂log π_i = −(1/N)·(u_i Â_i + v_i Â_i·1[1−ε ≤ ρ_i ≤ 1+ε])·ρ_i, where (u_i, v_i) = (1, 0) when
 * s1 < s2, (0, 1) when s2 < s1, and (½, ½) on a tie (torch's min splits the gradient; inside the
 * clip range s1 = s2 exactly, so there the gradient is the unclipped one). Writes ∂L/∂log π into
 * `gradLogProbs`, returns L.
 */
export function ppoSurrogate(
  logProbs: ArrayLike<number>,
  oldLogProbs: ArrayLike<number>,
  advantages: ArrayLike<number>,
  N: number,
  clip: number,
  gradLogProbs: Float64Array,
): number {
  if (!(clip > 0 && clip < 1)) throw new RangeError(`ppoSurrogate: clip (ε) must be in (0, 1), got ${clip}`);
  const lo = 1 - clip;
  const hi = 1 + clip;
  const g = -1 / N;
  let sum = 0;
  for (let i = 0; i < N; i++) {
    const ratio = Math.exp(logProbs[i] - oldLogProbs[i]);
    const A = advantages[i];
    const inside = ratio >= lo && ratio <= hi;
    const clipped = ratio < lo ? lo : ratio > hi ? hi : ratio;
    const s1 = ratio * A;
    const s2 = clipped * A;
    let u: number;
    let v: number;
    if (s1 < s2) {
      u = g;
      v = 0;
    } else if (s2 < s1) {
      u = 0;
      v = g;
    } else {
      u = g / 2;
      v = g / 2;
    }
    sum += s1 < s2 ? s1 : s2;
    const gRatio = u * A + (inside ? v * A : 0);
    gradLogProbs[i] = gRatio * ratio;
  }
  return -sum / N;
}
