import { LOG_SQRT_2PI } from "../heads/gaussian.js";

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

/** What {@link ppoGaussianEpoch} reads of a scalar-σ Gaussian head with μ = z (the GaussianHead). */
export interface ScalarGaussianHead {
  readonly logSigma: { grad: Float64Array } | null;
  readonly sigmaMap: unknown;
  readonly sigmoidMean: boolean;
  readonly inputDim: number;
  sigma(z: Float64Array, offset: number): number;
  effectiveLogSigma(): number;
  logSigmaPassesGradient(): boolean;
}

/**
 * One PPO actor epoch's loss and gradients for a scalar-σ Gaussian head with μ = z, in one sweep:
 * the numbers of headLogProbs (log π_i = −d²/(2σ²) − log σ − log √(2π), d = a_i − z_i), then
 * {@link ppoSurrogate} (∂L/∂log π_i = c_i), then the head's actorLoss on the weights −N·c_i
 * (∂L/∂z_i = (1/N)(−N c_i)·(−d/σ²), ∂L/∂ρ += Σ_i (1/N)(−N c_i)(1 − d²/σ²) when ρ is inside its
 * clamp), each per transition in the same order (docs/tensor-pg.md). z_i = z[i], or z[zIndex[i]]
 * (a parametrization's distinct outputs and each transition's entry). Writes log π into `logProbs`
 * and ∂L/∂z into `gradZ`, adds ∂L/∂ρ into the head's log σ gradient, returns L. (The head loss's
 * own value, unused by PPO, is not computed.)
 */
export function ppoGaussianEpoch(
  head: ScalarGaussianHead,
  z: Float64Array,
  actions: Float64Array,
  oldLogProbs: Float64Array,
  advantages: Float64Array,
  N: number,
  clip: number,
  logProbs: Float64Array,
  gradZ: Float64Array,
  zIndex: Int32Array | null = null,
): number {
  if (!(clip > 0 && clip < 1)) throw new RangeError(`ppoSurrogate: clip (ε) must be in (0, 1), got ${clip}`);
  if (head.logSigma === null || head.sigmaMap !== null || head.sigmoidMean || head.inputDim !== 1)
    throw new RangeError("ppoGaussianEpoch: needs a Gaussian head with a scalar σ and μ = z");
  // headLogProbs' σ (the head's kept exp(ρ)) and the loss's σ = exp(clamp(ρ)), as each computes them
  const sigmaLp = head.sigma(z, 0);
  const twoVar = 2 * (sigmaLp * sigmaLp);
  const logSigmaLp = Math.log(sigmaLp);
  const sigma = Math.exp(head.effectiveLogSigma());
  const variance = sigma * sigma;
  const lo = 1 - clip;
  const hi = 1 + clip;
  const g = -1 / N;
  const half = g / 2;
  const invT = 1 / N;
  let sum = 0;
  let gRho = 0;
  for (let i = 0; i < N; i++) {
    const d = actions[i] - (zIndex === null ? z[i] : z[zIndex[i]]);
    const lp = -(d * d) / twoVar - logSigmaLp - LOG_SQRT_2PI;
    logProbs[i] = lp;
    // ppoSurrogate
    const ratio = Math.exp(lp - oldLogProbs[i]);
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
      u = half;
      v = half;
    }
    sum += s1 < s2 ? s1 : s2;
    const c = (u * A + (inside ? v * A : 0)) * ratio;
    // the head's loss on the weight −N·c
    const w = invT * (-N * c);
    gradZ[i] = w * (-d / variance);
    gRho += w * (1 - (d * d) / variance);
  }
  if (head.logSigmaPassesGradient()) head.logSigma.grad[0] += gRho;
  return -sum / N;
}
