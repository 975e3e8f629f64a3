/**
 * Gaussian policy math in the exact form torch's `Normal(μ, σ).log_prob(a)` evaluates
 * (torch 1.13, as run by the LRPG reference), with σ = exp(ρ):
 *
 *   log N(a; μ, σ²) = −(a − μ)² / (2σ²) − log σ − log √(2π),   σ² computed as σ·σ, log σ as log(exp(ρ)).
 *
 * Derivatives of the per-step loss ℓ = −log N (what REINFORCE weights by the advantage):
 *   ∂ℓ/∂μ = −(a − μ)/σ²
 *   ∂ℓ/∂ρ = 1 − (a − μ)²/σ²          (ρ = log σ)
 *   ∂ℓ/∂σ = 1/σ − (a − μ)²/σ³
 */

/** log √(2π), the constant of torch's Normal.log_prob (`math.log(math.sqrt(2 * math.pi))`). */
export const LOG_SQRT_2PI = Math.log(Math.sqrt(2 * Math.PI));

/** log N(a; μ, σ²) for σ = exp(logSigma), torch's evaluation order. */
export function gaussianLogProb(a: number, mu: number, logSigma: number): number {
  const sigma = Math.exp(logSigma);
  return gaussianLogProbSigma(a, mu, sigma);
}

/** log N(a; μ, σ²) given σ directly (log σ evaluated as log(σ)). */
export function gaussianLogProbSigma(a: number, mu: number, sigma: number): number {
  const d = a - mu;
  return -(d * d) / (2 * (sigma * sigma)) - Math.log(sigma) - LOG_SQRT_2PI;
}

/** ∂(−log N)/∂μ = −(a − μ)/σ². */
export function negLogProbGradMean(a: number, mu: number, sigma: number): number {
  return -(a - mu) / (sigma * sigma);
}

/** ∂(−log N)/∂(log σ) = 1 − (a − μ)²/σ². */
export function negLogProbGradLogSigma(a: number, mu: number, sigma: number): number {
  const d = a - mu;
  return 1 - (d * d) / (sigma * sigma);
}

/** ∂(−log N)/∂σ = 1/σ − (a − μ)²/σ³. */
export function negLogProbGradSigma(a: number, mu: number, sigma: number): number {
  const d = a - mu;
  return 1 / sigma - (d * d) / (sigma * sigma * sigma);
}

/** Logistic sigmoid 1/(1 + e^{−z}); derivative sigmoid(z)·(1 − sigmoid(z)). */
export function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/** softplus(z) = log(1 + e^z), computed stably; derivative sigmoid(z). */
export function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

/** Inverse of softplus: log(e^y − 1) for y > 0. */
export function softplusInverse(y: number): number {
  return y > 30 ? y : Math.log(Math.expm1(y));
}

/**
 * The REINFORCE actor loss of a Gaussian policy with a scalar σ = exp(ρ), over T steps:
 *
 *   J_a = (1/T) Σ_t −log N(a_t; μ_t, σ²) · A_t,   μ_t = z_t or sigmoid(z_t),
 *
 * writing ∂J_a/∂z_t into `gradZ` and returning J_a and ∂J_a/∂ρ = (1/T) Σ_t A_t (1 − (a_t − μ_t)²/σ²).
 */
export function gaussianActorLoss(
  z: Float64Array,
  actions: Float64Array,
  advantages: Float64Array,
  T: number,
  logSigma: number,
  sigmoidMean: boolean,
  gradZ: Float64Array,
): { loss: number; gradLogSigma: number } {
  const sigma = Math.exp(logSigma);
  const variance = sigma * sigma;
  const logScale = Math.log(sigma);
  const invT = 1 / T;
  let lossSum = 0;
  let gRho = 0;
  for (let t = 0; t < T; t++) {
    const zt = z[t];
    const mu = sigmoidMean ? 1 / (1 + Math.exp(-zt)) : zt;
    const adv = advantages[t];
    const d = actions[t] - mu;
    const logProb = -(d * d) / (2 * variance) - logScale - LOG_SQRT_2PI;
    lossSum += -logProb * adv;
    const w = invT * adv;
    let g = w * (-d / variance);
    if (sigmoidMean) g *= mu * (1 - mu);
    gradZ[t] = g;
    gRho += w * (1 - (d * d) / variance);
  }
  return { loss: lossSum / T, gradLogSigma: gRho };
}
