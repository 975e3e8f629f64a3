import { makeParameter, type Parameter } from "../optim/parameter.js";
import type { StateDictEntry } from "../parametrizations/parametrization.js";
import type { Rng } from "../random/rng.js";
import type { PolicyHead } from "./head.js";

/**
 * Gaussian policy math in the exact form torch's `Normal(μ, σ).log_prob(a)` evaluates
 * (torch 1.13, as run by the LRPG reference), docs/distributions.md:
 *
 *   log N(a; μ, σ²) = −(a − μ)² / (2σ²) − log σ − log √(2π),   σ² computed as σ·σ, log σ as log(σ).
 *
 * Derivatives of the per-step loss ℓ = −log N (what REINFORCE weights by the advantage):
 *   ∂ℓ/∂μ = −(a − μ)/σ²,   ∂ℓ/∂ρ = 1 − (a − μ)²/σ² (ρ = log σ),   ∂ℓ/∂σ = 1/σ − (a − μ)²/σ³.
 */

/** log √(2π), the constant of torch's Normal.log_prob (`math.log(math.sqrt(2 * math.pi))`). */
export const LOG_SQRT_2PI = Math.log(Math.sqrt(2 * Math.PI));

/** log N(a; μ, σ²) for σ = exp(logSigma), torch's evaluation order. */
export function gaussianLogProb(a: number, mu: number, logSigma: number): number {
  return gaussianLogProbSigma(a, mu, Math.exp(logSigma));
}

/** log N(a; μ, σ²) given σ directly (log σ evaluated as log(σ)). */
export function gaussianLogProbSigma(a: number, mu: number, sigma: number): number {
  const d = a - mu;
  return -(d * d) / (2 * (sigma * sigma)) - Math.log(sigma) - LOG_SQRT_2PI;
}

/**
 * The per-step pieces of {@link gaussianLoss}, with d = a − μ, σ² and log σ:
 *   −log N(a; μ, σ²) = −(−d²/(2σ²) − log σ − log √(2π)) (torch's order),
 *   w·∂(−log N)/∂μ = w·(−d/σ²),   w·∂(−log N)/∂ρ = w·(1 − d²/σ²) (ρ = log σ).
 */
export function gaussianNll(d: number, variance: number, logSigma: number): number {
  return -(-(d * d) / (2 * variance) - logSigma - LOG_SQRT_2PI);
}

/** w·∂(−log N)/∂μ = w·(−d/σ²) (see {@link gaussianNll}). */
export function gaussianMeanGrad(w: number, d: number, variance: number): number {
  return w * (-d / variance);
}

/** w·∂(−log N)/∂ρ = w·(1 − d²/σ²) for σ = e^ρ (see {@link gaussianNll}). */
export function gaussianLogSigmaGrad(w: number, d: number, variance: number): number {
  return w * (1 - (d * d) / variance);
}

/** softplus(z) = log(1 + e^z), computed stably; derivative sigmoid(z). */
export function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

/** Inverse of softplus: log(e^y − 1) for y > 0. */
export function softplusInverse(y: number): number {
  return y > 30 ? y : Math.log(Math.expm1(y));
}

/** How σ is obtained: a learned scalar ρ (σ = exp ρ), or per state σ = φ(z_σ) from a second output of z. */
export type SigmaMap = "exp" | "softplus";

/**
 * The Gaussian REINFORCE loss, the one copy every agent and the population use. Over T steps with
 * z_t = z[t·D] (μ_t = z_t, or sigmoid(z_t) when `sigmoidMean`) and w_t = A_t/T:
 *
 *   J_a = (1/T) Σ_t −log N(a_t; μ_t, σ_t²)·A_t,
 *   ∂J_a/∂z_t = w_t·(−(a_t − μ_t)/σ_t²) [·μ_t(1 − μ_t)],
 *
 * σ_t = exp(logSigma) for every t when `sigmaMap` is null, returning ∂J_a/∂ρ = Σ_t w_t(1 − (a_t − μ_t)²/σ²);
 * else σ_t = φ(z[t·D + 1]) with ∂J_a/∂z^σ_t = w_t(1/σ_t − (a_t − μ_t)²/σ_t³)·φ'(z^σ_t),
 * φ' = σ (exp) or sigmoid(z^σ) (softplus).
 */
export function gaussianLoss(
  z: ArrayLike<number>,
  D: number,
  actions: ArrayLike<number>,
  advantages: ArrayLike<number>,
  T: number,
  sigmoidMean: boolean,
  logSigma: number,
  sigmaMap: SigmaMap | null,
  gradZ: Float64Array | { [i: number]: number },
): { loss: number; gradLogSigma: number } {
  const sigmaScalar = Math.exp(logSigma);
  // log σ of a scalar σ once per call, not per step (the same double: Math.log is deterministic).
  const logSigmaScalar = Math.log(sigmaScalar);
  const invT = 1 / T;
  let lossSum = 0;
  let gRho = 0;
  if (sigmaMap === null && !sigmoidMean) {
    // the loop below for a scalar σ and μ = z, its per-step constants hoisted (the same numbers)
    const variance = sigmaScalar * sigmaScalar;
    for (let t = 0; t < T; t++) {
      const mu = z[t * D];
      const adv = advantages[t];
      const d = actions[t] - mu;
      const w = invT * adv;
      lossSum += gaussianNll(d, variance, logSigmaScalar) * adv;
      gradZ[t * D] = gaussianMeanGrad(w, d, variance);
      gRho += gaussianLogSigmaGrad(w, d, variance);
    }
    return { loss: lossSum / T, gradLogSigma: gRho };
  }
  for (let t = 0; t < T; t++) {
    const zt = z[t * D];
    const mu = sigmoidMean ? 1 / (1 + Math.exp(-zt)) : zt;
    const adv = advantages[t];
    const d = actions[t] - mu;
    const w = invT * adv;
    const zs = sigmaMap === null ? 0 : z[t * D + 1];
    const sigma = sigmaMap === null ? sigmaScalar : sigmaMap === "exp" ? Math.exp(zs) : softplus(zs);
    const variance = sigma * sigma;
    const logSigmaT = sigmaMap === null ? logSigmaScalar : Math.log(sigma);
    lossSum += gaussianNll(d, variance, logSigmaT) * adv;
    let g = gaussianMeanGrad(w, d, variance);
    if (sigmoidMean) g *= mu * (1 - mu);
    gradZ[t * D] = g;
    if (sigmaMap === null) gRho += gaussianLogSigmaGrad(w, d, variance);
    else {
      const gSigma = w * (1 / sigma - (d * d) / (variance * sigma));
      gradZ[t * D + 1] = gSigma * (sigmaMap === "exp" ? sigma : 1 / (1 + Math.exp(-zs)));
    }
  }
  return { loss: lossSum / T, gradLogSigma: gRho };
}

/** {@link gaussianLoss} with a scalar σ = exp(logSigma) and one z per step. */
export function gaussianActorLoss(
  z: ArrayLike<number>,
  actions: ArrayLike<number>,
  advantages: ArrayLike<number>,
  T: number,
  logSigma: number,
  sigmoidMean: boolean,
  gradZ: Float64Array,
): { loss: number; gradLogSigma: number } {
  return gaussianLoss(z, 1, actions, advantages, T, sigmoidMean, logSigma, null, gradZ);
}

export interface GaussianHeadOptions {
  /** μ = sigmoid(z_μ) (the reference's rocket) instead of μ = z_μ. Default false. */
  sigmoidMean?: boolean;
  /** Clamp of the sampled action (and of the mode) to [lo, hi] before it is stored and used in the log-prob. */
  actionClamp?: readonly [number, number] | null;
  /**
   * `{ kind: "scalar" }`: σ = exp(ρ) with its own parameter `log_sigma` (ρ₀ = logSigmaInit, default 1),
   * z = [z_μ]. `{ kind: "state", map }`: σ(s) = φ(z_σ) from the parametrization, z = [z_μ, z_σ].
   */
  sigma?: { kind: "scalar"; logSigmaInit?: number } | { kind: "state"; map: SigmaMap };
  /**
   * Scalar σ only: σ = exp(clamp(ρ, lo, hi)), the tensor-low-rank reference's bound on log σ
   * ([−2.5, max] for its CP policies, [−2, max] for its MLP and RBF ones). ∂/∂ρ passes where
   * lo ≤ ρ ≤ hi (bounds included, as torch's clamp) and is 0 outside. Default: no clamp.
   */
  logSigmaClamp?: readonly [number, number] | null;
}

/**
 * π(a|z) = N(μ, σ²) over a scalar action, a = clamp(μ + σ·ε), ε ~ N(0, 1); μ = z_μ or sigmoid(z_μ);
 * σ = exp(ρ) (scalar) or φ(z_σ) (state-dependent). Entropy ½ + log √(2π) + log σ (of the unclamped
 * Gaussian). Gradients: see {@link gaussianLoss}.
 */
export class GaussianHead implements PolicyHead {
  readonly inputDim: number;
  readonly sigmoidMean: boolean;
  readonly actionClamp: readonly [number, number] | null;
  /** ρ = log σ when σ is a scalar, else null. */
  readonly logSigma: Parameter | null;
  readonly sigmaMap: SigmaMap | null;
  /** Bounds of log σ (scalar σ), or null. */
  readonly logSigmaClamp: readonly [number, number] | null;
  private readonly lo: number;
  private readonly hi: number;
  /** exp(ρ), refreshed after every change of ρ. */
  private sigmaScalar = Math.E;
  /** log(exp(ρ)) as {@link gaussianLogProbSigma} evaluates it, refreshed with {@link sigmaScalar}. */
  private logSigmaScalar = 1;

  constructor(options: GaussianHeadOptions = {}, owner = "GaussianHead") {
    this.sigmoidMean = options.sigmoidMean ?? false;
    const clamp = options.actionClamp ?? null;
    if (clamp) {
      const [lo, hi] = clamp;
      if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo < hi))
        throw new RangeError(
          `${owner}: actionClamp must be [lo, hi] with finite lo < hi, got [${lo}, ${hi}]`,
        );
    }
    this.actionClamp = clamp ? [clamp[0], clamp[1]] : null;
    this.lo = clamp ? clamp[0] : -Infinity;
    this.hi = clamp ? clamp[1] : Infinity;
    const sigma = options.sigma ?? { kind: "scalar" };
    const rhoClamp = options.logSigmaClamp ?? null;
    if (rhoClamp) {
      const [lo, hi] = rhoClamp;
      if (sigma.kind !== "scalar")
        throw new RangeError(`${owner}: logSigmaClamp needs a scalar σ (sigma.kind "scalar")`);
      if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo <= hi))
        throw new RangeError(
          `${owner}: logSigmaClamp must be [lo, hi] with finite lo <= hi, got [${lo}, ${hi}]`,
        );
    }
    this.logSigmaClamp = rhoClamp ? [rhoClamp[0], rhoClamp[1]] : null;
    if (sigma.kind === "scalar") {
      const rho = sigma.logSigmaInit ?? 1;
      if (!Number.isFinite(rho)) throw new RangeError(`${owner}: logSigmaInit must be finite, got ${rho}`);
      this.logSigma = makeParameter("log_sigma", [1], Float64Array.of(rho));
      this.sigmaMap = null;
      this.inputDim = 1;
    } else {
      this.logSigma = null;
      this.sigmaMap = sigma.map;
      this.inputDim = 2;
    }
    this.refresh();
  }

  get parameters(): Parameter[] {
    return this.logSigma ? [this.logSigma] : [];
  }

  refresh(): void {
    if (this.logSigma) {
      this.sigmaScalar = Math.exp(this.effectiveLogSigma());
      this.logSigmaScalar = Math.log(this.sigmaScalar);
    }
  }

  /** ρ clamped to {@link logSigmaClamp} (ρ itself without a clamp); 0 for a state-dependent σ. */
  effectiveLogSigma(): number {
    if (!this.logSigma) return 0;
    const rho = this.logSigma.data[0];
    const c = this.logSigmaClamp;
    return c === null ? rho : rho < c[0] ? c[0] : rho > c[1] ? c[1] : rho;
  }

  /** ∂ clamp(ρ)/∂ρ: 1 inside the bounds (inclusive) or without a clamp, else 0. */
  logSigmaPassesGradient(): boolean {
    const c = this.logSigmaClamp;
    if (c === null || !this.logSigma) return true;
    const rho = this.logSigma.data[0];
    return rho >= c[0] && rho <= c[1];
  }

  /** μ(z). */
  mean(z: Float64Array, offset: number): number {
    const zt = z[offset];
    return this.sigmoidMean ? 1 / (1 + Math.exp(-zt)) : zt;
  }

  /** σ(z). */
  sigma(z: Float64Array, offset: number): number {
    if (this.sigmaMap === null) return this.sigmaScalar;
    const zs = z[offset + 1];
    return this.sigmaMap === "exp" ? Math.exp(zs) : softplus(zs);
  }

  private clamp(a: number): number {
    return a < this.lo ? this.lo : a > this.hi ? this.hi : a;
  }

  sample(z: Float64Array, offset: number, rng: Rng): number {
    return this.clamp(this.mean(z, offset) + this.sigma(z, offset) * rng.normal());
  }

  mode(z: Float64Array, offset: number): number {
    return this.clamp(this.mean(z, offset));
  }

  logProb(z: Float64Array, offset: number, a: number): number {
    if (this.sigmaMap === null) {
      // gaussianLogProbSigma with the kept log σ (the same double as Math.log(σ))
      const d = a - this.mean(z, offset);
      const sigma = this.sigmaScalar;
      return -(d * d) / (2 * (sigma * sigma)) - this.logSigmaScalar - LOG_SQRT_2PI;
    }
    return gaussianLogProbSigma(a, this.mean(z, offset), this.sigma(z, offset));
  }

  /**
   * out[t] = log π(a_t | z_t) for t < T ({@link logProb} of each step, z_t at z[t·inputDim]); a
   * scalar σ's constants once (the same numbers).
   */
  logProbs(z: Float64Array, actions: Float64Array, T: number, out: Float64Array): Float64Array {
    const D = this.inputDim;
    if (this.sigmaMap === null && !this.sigmoidMean) {
      const sigma = this.sigmaScalar;
      const twoVar = 2 * (sigma * sigma);
      const logSigma = this.logSigmaScalar;
      for (let t = 0; t < T; t++) {
        const d = actions[t] - z[t * D];
        out[t] = -(d * d) / twoVar - logSigma - LOG_SQRT_2PI;
      }
      return out;
    }
    for (let t = 0; t < T; t++) out[t] = this.logProb(z, t * D, actions[t]);
    return out;
  }

  entropy(z: Float64Array, offset: number): number {
    return 0.5 + LOG_SQRT_2PI + Math.log(this.sigma(z, offset));
  }

  checkActions(actions: Float64Array, T: number): void {
    for (let t = 0; t < T; t++) {
      const a = actions[t];
      if (a !== a) throw new RangeError(`learn: actions[${t}] is NaN (expected a finite action)`);
    }
  }

  actorLoss(
    z: Float64Array,
    actions: Float64Array,
    advantages: Float64Array,
    T: number,
    gradZ: Float64Array,
  ): number {
    const rho = this.effectiveLogSigma();
    const r = gaussianLoss(
      z,
      this.inputDim,
      actions,
      advantages,
      T,
      this.sigmoidMean,
      rho,
      this.sigmaMap,
      gradZ,
    );
    if (this.logSigma && this.logSigmaPassesGradient()) this.logSigma.grad[0] += r.gradLogSigma;
    return r.loss;
  }

  stateDictEntries(): StateDictEntry[] {
    return this.logSigma ? [{ key: "log_sigma", param: this.logSigma, transpose: false }] : [];
  }
}
