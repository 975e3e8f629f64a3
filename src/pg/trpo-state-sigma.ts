import { gaussianLogProbSigma, softplus, type GaussianHead } from "../heads/gaussian.js";
import type { Parameter } from "../optim/parameter.js";
import type { Parametrization } from "../parametrizations/parametrization.js";
import { checkTrpoConfig, trpoSolve, type TrpoConfig, type TrpoStepInfo } from "./trpo.js";
import { gaussianKl, readFlat, readFlatGrad, writeFlat, type TrpoBatch } from "./trpo-gaussian.js";

/**
 * TRPO for a Gaussian policy whose σ depends on the state (docs/trpo.md §3, "A state-dependent
 * σ"): the actor gives z(s) = [z_μ, z_σ] (a CP tensor with a 2-entry output mode, two stacked
 * low-rank grids, an MLP with two outputs, …) and the head maps μ = z_μ, σ = φ(z_σ) with
 * φ = exp or softplus. Per state
 * the distribution is u_t = (μ_t, ℓ_t), ℓ_t = log σ_t = z_σ (exp) or log softplus(z_σ):
 *
 *   surrogate  f(θ) = −(1/T) Σ_t r_t Â_t,  r_t = π_θ(a_t|s_t)/π_old(a_t|s_t),
 *              ∂f/∂μ_t = −(1/T) r_t Â_t (a_t − μ_t)/σ_t²,  ∂f/∂ℓ_t = −(1/T) r_t Â_t ((a_t − μ_t)²/σ_t² − 1);
 *   KL         KL̄(θ) = (1/T) Σ_t KL(N(μ⁰_t, σ⁰_t²) ‖ N(μ_t, σ_t²));
 *   Fisher     F v = (1/T) Σ_t [ J_μ,tᵀ (J_μ,t v)/σ_t² + 2 J_ℓ,tᵀ (J_ℓ,t v) ],
 *
 * J_μ,t = ∂μ_t/∂θ and J_ℓ,t = ∂ℓ_t/∂θ = φ'(z_σ)/φ(z_σ) · ∂z_σ,t/∂θ. F is the exact Hessian of KL̄
 * at θ₀: ∂KL/∂u vanishes where the two distributions coincide, and ∂²KL/∂u² = diag(1/σ², 2).
 */

/** The flat view of a state-dependent-σ Gaussian policy: μ_t(θ), ℓ_t(θ) and their vector–Jacobian products. */
export interface StateSigmaPolicyView {
  /** θ as tensors (the actor's parameters; the head has none). */
  readonly params: readonly Parameter[];
  /** P = number of scalars in θ. */
  readonly size: number;
  /** μ_t and σ_t for the first T states of the flat T×S `states`; keeps the batch for {@link backward}. */
  forward(states: Float64Array, T: number, mu: Float64Array, sigma: Float64Array): void;
  /** Adds Σ_t (gMu_t ∂μ_t/∂θ + gEll_t ∂ℓ_t/∂θ) into the grads (batch of the last {@link forward}). */
  backward(gMu: Float64Array, gEll: Float64Array): void;
}

/**
 * The TRPO view of `actor` (two outputs per state, z = [z_μ, z_σ]) × `head` (state-dependent σ,
 * μ = z_μ). σ_t is computed as the head computes it, so log-probs of the rollout equal the
 * surrogate's at θ₀ bit for bit (r_t = 1 exactly).
 */
export function stateSigmaPolicyView(actor: Parametrization, head: GaussianHead): StateSigmaPolicyView {
  const map = head.sigmaMap;
  if (map === null) throw new RangeError("TRPO: the Gaussian head has a scalar σ; use gaussianPolicyView");
  if (head.sigmoidMean) throw new RangeError("TRPO: the Gaussian head must have μ = z (no sigmoid mean)");
  if (actor.outputDim !== 2)
    throw new RangeError(
      `TRPO: a state-dependent σ needs an actor with 2 outputs per state (z_μ, z_σ), got ${actor.outputDim}`,
    );
  const params = actor.parameters;
  let size = 0;
  for (const p of params) size += p.data.length;
  let z = new Float64Array(0);
  let gZ = new Float64Array(0);
  /** dℓ/dz_σ of the last forward, per state. */
  let slope = new Float64Array(0);
  let T0 = 0;
  return {
    params,
    size,
    forward(states, T, mu, sigma) {
      if (z.length < 2 * T) {
        z = new Float64Array(2 * T);
        gZ = new Float64Array(2 * T);
        slope = new Float64Array(T);
      }
      actor.forwardBatch(states, T, z);
      for (let t = 0; t < T; t++) {
        mu[t] = z[2 * t];
        const zs = z[2 * t + 1];
        if (map === "exp") {
          sigma[t] = Math.exp(zs); // ℓ = z_σ
          slope[t] = 1;
        } else {
          const sp = softplus(zs);
          sigma[t] = sp; // ℓ = log softplus(z_σ)
          slope[t] = 1 / (1 + Math.exp(-zs)) / sp; // sigmoid(z)/softplus(z)
        }
      }
      T0 = T;
    },
    backward(gMu, gEll) {
      for (let t = 0; t < T0; t++) {
        gZ[2 * t] = gMu[t];
        gZ[2 * t + 1] = gEll[t] * slope[t];
      }
      actor.backwardBatch(gZ.subarray(0, 2 * T0));
    },
  };
}

/**
 * The surrogate f(θ) = −(1/T) Σ_t r_t Â_t for per-state (μ_t, σ_t); writes ∂f/∂μ_t into `gMu` and
 * ∂f/∂ℓ_t (ℓ = log σ) into `gEll` when given (formulas in the file comment).
 */
export function stateSigmaSurrogateLoss(
  mu: ArrayLike<number>,
  sigmas: ArrayLike<number>,
  batch: TrpoBatch,
  logProbOld: ArrayLike<number>,
  gMu: Float64Array | null,
  gEll: Float64Array | null,
): number {
  const { actions, advantages, T } = batch;
  const invT = 1 / T;
  let sum = 0;
  for (let t = 0; t < T; t++) {
    const a = actions[t];
    const d = a - mu[t];
    const sigma = sigmas[t];
    const variance = sigma * sigma;
    const ratio = Math.exp(gaussianLogProbSigma(a, mu[t], sigma) - logProbOld[t]);
    const w = ratio * advantages[t];
    sum += w;
    if (gMu) gMu[t] = -invT * w * (d / variance);
    if (gEll) gEll[t] = -invT * w * ((d * d) / variance - 1);
  }
  return -sum * invT;
}

/** Mean over T states of KL(N(μ⁰_t, σ⁰_t²) ‖ N(μ_t, σ_t²)). */
export function meanStateSigmaKl(
  muOld: ArrayLike<number>,
  sigmaOld: ArrayLike<number>,
  mu: ArrayLike<number>,
  sigma: ArrayLike<number>,
  T: number,
): number {
  let s = 0;
  for (let t = 0; t < T; t++) s += gaussianKl(muOld[t], Math.log(sigmaOld[t]), mu[t], Math.log(sigma[t]));
  return s / T;
}

/**
 * The exact Fisher of a state-dependent-σ Gaussian policy at θ₀ (file comment): the rows
 * J_μ,t and J_ℓ,t are computed once by the parametrization's own backward, one state at a time,
 * and stored (2T×P); F v then costs two passes over them.
 */
export class StateSigmaFisher {
  readonly size: number;
  readonly T: number;
  /** T×P rows ∂μ_t/∂θ. */
  readonly jacobianMu: Float64Array;
  /** T×P rows ∂ℓ_t/∂θ. */
  readonly jacobianEll: Float64Array;
  /** 1/σ_t² at θ₀. */
  readonly precision: Float64Array;
  private readonly jvMu: Float64Array;
  private readonly jvEll: Float64Array;

  constructor(view: StateSigmaPolicyView, states: Float64Array, T: number, stateDim: number) {
    const P = view.size;
    this.size = P;
    this.T = T;
    this.jacobianMu = new Float64Array(T * P);
    this.jacobianEll = new Float64Array(T * P);
    this.precision = new Float64Array(T);
    this.jvMu = new Float64Array(T);
    this.jvEll = new Float64Array(T);
    const mu = new Float64Array(1);
    const sigma = new Float64Array(1);
    const one = Float64Array.of(1);
    const zero = Float64Array.of(0);
    const row = new Float64Array(P);
    for (let t = 0; t < T; t++) {
      view.forward(states.subarray(t * stateDim, (t + 1) * stateDim), 1, mu, sigma);
      this.precision[t] = 1 / (sigma[0] * sigma[0]);
      for (const p of view.params) p.grad.fill(0);
      view.backward(one, zero);
      this.jacobianMu.set(readFlatGrad(view.params, row), t * P);
      for (const p of view.params) p.grad.fill(0);
      view.backward(zero, one);
      this.jacobianEll.set(readFlatGrad(view.params, row), t * P);
    }
    for (const p of view.params) p.grad.fill(0);
  }

  /** out = (F + damping·I) v. */
  apply(v: Float64Array, out: Float64Array, damping = 0): Float64Array {
    const { size: P, T, jacobianMu: Jm, jacobianEll: Jl, jvMu, jvEll, precision } = this;
    for (let t = 0; t < T; t++) {
      let sm = 0;
      let sl = 0;
      const o = t * P;
      for (let j = 0; j < P; j++) {
        sm += Jm[o + j] * v[j];
        sl += Jl[o + j] * v[j];
      }
      jvMu[t] = (sm * precision[t]) / T;
      jvEll[t] = (2 * sl) / T;
    }
    out.fill(0);
    for (let t = 0; t < T; t++) {
      const wm = jvMu[t];
      const wl = jvEll[t];
      const o = t * P;
      if (wm !== 0) for (let j = 0; j < P; j++) out[j] += Jm[o + j] * wm;
      if (wl !== 0) for (let j = 0; j < P; j++) out[j] += Jl[o + j] * wl;
    }
    if (damping !== 0) for (let j = 0; j < P; j++) out[j] += damping * v[j];
    return out;
  }
}

/**
 * One TRPO step (docs/trpo.md §3–§5) of the state-dependent-σ policy `view` on `batch`; leaves θ at
 * the accepted parameters (or θ₀) and the grads holding ∇f(θ₀).
 */
export function trpoStepStateSigma(
  view: StateSigmaPolicyView,
  batch: TrpoBatch,
  stateDim: number,
  config: TrpoConfig,
): TrpoStepInfo {
  checkTrpoConfig(config);
  const { states, T } = batch;
  const P = view.size;
  const theta0 = readFlat(view.params, new Float64Array(P));
  const mu0 = new Float64Array(T);
  const sigma0 = new Float64Array(T);
  const mu = new Float64Array(T);
  const sigma = new Float64Array(T);
  const gMu = new Float64Array(T);
  const gEll = new Float64Array(T);

  view.forward(states, T, mu0, sigma0);
  let logProbOld = batch.logProbOld;
  if (!logProbOld) {
    logProbOld = new Float64Array(T);
    for (let t = 0; t < T; t++) logProbOld[t] = gaussianLogProbSigma(batch.actions[t], mu0[t], sigma0[t]);
  }
  for (const p of view.params) p.grad.fill(0);
  const loss0 = stateSigmaSurrogateLoss(mu0, sigma0, batch, logProbOld, gMu, gEll);
  view.backward(gMu, gEll);
  const g = readFlatGrad(view.params, new Float64Array(P));

  const fisher = new StateSigmaFisher(view, states, T, stateDim);
  const lp = logProbOld;
  return trpoSolve(
    {
      params: view.params,
      theta0,
      loss0,
      grad: g,
      fisher: (v, out, damping) => {
        fisher.apply(v, out, damping);
      },
      loss: (theta) => {
        writeFlat(view.params, theta);
        view.forward(states, T, mu, sigma);
        return stateSigmaSurrogateLoss(mu, sigma, batch, lp, null, null);
      },
      klAfterStep: () => {
        view.forward(states, T, mu, sigma);
        return meanStateSigmaKl(mu0, sigma0, mu, sigma, T);
      },
    },
    config,
  );
}
