import { gaussianLogProbSigma } from "../heads/gaussian.js";
import type { Parameter } from "../optim/parameter.js";
import {
  type FisherScratch,
  GaussianFisher,
  meanGaussianKl,
  readFlat,
  readFlatGrad,
  surrogateLoss,
  writeFlat,
  type GaussianPolicyView,
  type TrpoBatch,
} from "./trpo-gaussian.js";

/**
 * Trust-region policy optimization, one step (Schulman et al. 2015, in the form of the LRPG
 * authors' reference, itself after ikostrikov/pytorch-trpo; docs/trpo.md):
 *
 *   g = ∇_θ L(θ₀)                     L = (1/T) Σ_t r_t Â_t, the surrogate
 *   x ≈ (F + λI)⁻¹ g                   conjugate gradient, F the Fisher (Hessian of the mean KL)
 *   s = √(2δ / (xᵀ(F + λI)x + ε)) · x   so that ½ sᵀ(F + λI)s = δ
 *   θ = θ₀ + 2⁻ʲ s                      first j = 0 … n−1 with actual/expected > ratio and actual > 0
 *                                       (expected = 2⁻ʲ gᵀs), else θ = θ₀.
 */

export interface TrpoConfig {
  /** δ, the KL limit of the quadratic model (reference pendulum 0.01). */
  maxKl: number;
  /** λ, added to F in CG and in the step size (reference pendulum 1e-3). */
  damping: number;
  /** Maximum CG iterations (reference pendulum 5). */
  cgIterations: number;
  /** CG stops once rᵀr < this (reference 1e-10). */
  cgTolerance: number;
  /** Number of backtracking fractions 1, ½, …, 2^−(n−1) (reference 10). */
  backtracks?: number;
  /** Accept when actual/expected improvement > this (reference 0.1). */
  acceptRatio?: number;
}

/** Throws a one-line error naming the first out-of-range field of a TRPO config and its range. */
export function checkTrpoConfig(c: TrpoConfig, owner = "TRPO"): void {
  const bad = (field: string, range: string, v: unknown) => {
    throw new RangeError(`${owner}: ${field} must be ${range}, got ${String(v)}`);
  };
  if (!(Number.isFinite(c.maxKl) && c.maxKl > 0)) bad("maxKl", "a finite number > 0", c.maxKl);
  if (!(Number.isFinite(c.damping) && c.damping >= 0)) bad("damping", "a finite number >= 0", c.damping);
  if (!(Number.isInteger(c.cgIterations) && c.cgIterations >= 1 && c.cgIterations <= 10_000))
    bad("cgIterations", "an integer in [1, 10000]", c.cgIterations);
  if (!(Number.isFinite(c.cgTolerance) && c.cgTolerance >= 0))
    bad("cgTolerance", "a finite number >= 0", c.cgTolerance);
  const n = c.backtracks ?? 10;
  if (!(Number.isInteger(n) && n >= 1 && n <= 60)) bad("backtracks", "an integer in [1, 60]", n);
  const r = c.acceptRatio ?? 0.1;
  if (!(Number.isFinite(r) && r >= 0 && r < 1)) bad("acceptRatio", "a number in [0, 1)", r);
}

/** The reference's guard added to the CG and step-size denominators. */
export const TRPO_EPS = 1e-10;

export interface ConjugateGradientResult {
  x: Float64Array;
  iterations: number;
  /** rᵀr at exit. */
  residual: number;
}

/**
 * Solves A x = b for symmetric positive definite A given only v ↦ A v, from x₀ = 0:
 *   α = rᵀr / (pᵀAp + ε), x += αp, r −= αAp, β = r'ᵀr' / (rᵀr + ε), p = r' + βp,
 * at most `iterations` times, stopping once rᵀr < `tolerance` (ε = `eps`, the reference's 1e-10).
 * In exact arithmetic with ε = 0 it reaches A⁻¹b in at most dim(b) iterations.
 */
export function conjugateGradient(
  Av: (v: Float64Array, out: Float64Array) => void,
  b: Float64Array,
  iterations: number,
  tolerance: number,
  eps = TRPO_EPS,
): ConjugateGradientResult {
  const n = b.length;
  const x = new Float64Array(n);
  const r = Float64Array.from(b);
  const p = Float64Array.from(b);
  const Ap = new Float64Array(n);
  let rr = dot(r, r);
  let it = 0;
  while (it < iterations) {
    Av(p, Ap);
    const alpha = rr / (dot(p, Ap) + eps);
    for (let i = 0; i < n; i++) {
      x[i] += alpha * p[i];
      r[i] -= alpha * Ap[i];
    }
    const rrNew = dot(r, r);
    const beta = rrNew / (rr + eps);
    for (let i = 0; i < n; i++) p[i] = r[i] + beta * p[i];
    rr = rrNew;
    it++;
    if (rr < tolerance) break;
  }
  return { x, iterations: it, residual: rr };
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * The full step s = β x with β = √(2δ / (xᵀ(F + λI)x + ε)): the largest multiple of the search
 * direction whose quadratic KL model ½ sᵀ(F + λI)s equals δ (up to ε). `Fx` = (F + λI)x.
 */
export function scaleToKl(x: Float64Array, Fx: Float64Array, maxKl: number, eps = TRPO_EPS): Float64Array {
  const beta = Math.sqrt((2 * maxKl) / (dot(x, Fx) + eps));
  const s = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) s[i] = beta * x[i];
  return s;
}

export interface LineSearchResult {
  accepted: boolean;
  /** 2⁻ʲ of the accepted try (0 when rejected). */
  fraction: number;
  /** The parameters to keep: θ₀ + fraction·s, or θ₀. */
  params: Float64Array;
  /** Tries evaluated. */
  tries: number;
  /** f(θ₀) − f(θ) and expected·fraction at the accepted (or last) try. */
  actual: number;
  expected: number;
}

/**
 * Backtracking on a loss f (lower is better) from θ₀ along `step` with f₀ = f(θ₀): tries the
 * fractions 2⁻ʲ, j = 0 … n−1, and accepts the first with (f₀ − f(θ₀ + 2⁻ʲ s)) / (2⁻ʲ·expectedRate)
 * > `acceptRatio` and f₀ − f > 0; if none passes, keeps θ₀ (the reference's rule). `f` may change
 * the model's parameters; the caller writes the returned ones back.
 */
export function backtrackingLineSearch(
  f: (theta: Float64Array) => number,
  theta0: Float64Array,
  step: Float64Array,
  f0: number,
  expectedRate: number,
  backtracks = 10,
  acceptRatio = 0.1,
): LineSearchResult {
  const theta = new Float64Array(theta0.length);
  let actual = 0;
  let expected = 0;
  for (let j = 0; j < backtracks; j++) {
    const fraction = 0.5 ** j;
    for (let i = 0; i < theta.length; i++) theta[i] = theta0[i] + fraction * step[i];
    actual = f0 - f(theta);
    expected = expectedRate * fraction;
    const ratio = actual / expected;
    if (ratio > acceptRatio && actual > 0)
      return { accepted: true, fraction, params: theta, tries: j + 1, actual, expected };
  }
  return {
    accepted: false,
    fraction: 0,
    params: Float64Array.from(theta0),
    tries: backtracks,
    actual,
    expected,
  };
}

/** What one TRPO step did. */
export interface TrpoStepInfo {
  /** Surrogate loss f = −L at θ₀ and at the kept parameters. */
  lossBefore: number;
  lossAfter: number;
  /** ‖g‖ of the surrogate gradient. */
  gradNorm: number;
  cgIterations: number;
  cgResidual: number;
  /** ½ sᵀ(F + λI)s of the full step (δ by construction). */
  quadraticKl: number;
  /** gᵀs, the first-order improvement of the full step. */
  expectedImprovement: number;
  accepted: boolean;
  fraction: number;
  /** Mean KL(π_θ₀ ‖ π_θ) over the batch after the step. */
  kl: number;
}

/**
 * What a TRPO step needs from a policy class, built by the caller at θ₀ (after ∇f(θ₀) and the
 * Fisher rows are computed): the flat parameters, the damped Fisher-vector product, the loss along
 * the line search and the mean KL at the kept parameters.
 */
export interface TrpoProblem {
  /** θ as tensors, in the flat order. */
  readonly params: readonly Parameter[];
  /** θ₀ flattened. */
  readonly theta0: Float64Array;
  /** f(θ₀). */
  readonly loss0: number;
  /** ∇f(θ₀). */
  readonly grad: Float64Array;
  /** out = (F + damping·I) v. */
  fisher(v: Float64Array, out: Float64Array, damping: number): void;
  /** f(θ) for the flat θ (writes θ into the parameters). */
  loss(theta: Float64Array): number;
  /** Mean KL(π_θ₀ ‖ π_θ) over the batch, after the kept θ was written into the parameters. */
  klAfterStep(): number;
}

/**
 * The policy-independent half of a TRPO step (see the file comment) on `problem`: CG on
 * (F + λI)x = −g, the step scaled to the KL limit, the backtracking line search; leaves θ at the
 * accepted parameters (or θ₀) and the grads holding ∇f(θ₀).
 */
export function trpoSolve(problem: TrpoProblem, config: TrpoConfig): TrpoStepInfo {
  const { params, theta0, grad: gLoss } = problem;
  const P = theta0.length;
  writeGrads(params, gLoss);
  const negG = new Float64Array(P);
  for (let i = 0; i < P; i++) negG[i] = -gLoss[i];
  const { damping } = config;
  const Av = (v: Float64Array, out: Float64Array) => {
    problem.fisher(v, out, damping);
  };
  const cg = conjugateGradient(Av, negG, config.cgIterations, config.cgTolerance);
  const Fx = new Float64Array(P);
  Av(cg.x, Fx);
  const step = scaleToKl(cg.x, Fx, config.maxKl);
  const Fs = new Float64Array(P);
  Av(step, Fs);
  const quadraticKl = 0.5 * dot(step, Fs);
  const expectedRate = dot(negG, step);

  const ls = backtrackingLineSearch(
    (theta) => problem.loss(theta),
    theta0,
    step,
    problem.loss0,
    expectedRate,
    config.backtracks ?? 10,
    config.acceptRatio ?? 0.1,
  );
  const lossAfter = ls.accepted ? problem.loss0 - ls.actual : problem.loss0;
  writeFlat(params, ls.params);
  const kl = problem.klAfterStep();
  writeGrads(params, gLoss);
  return {
    lossBefore: problem.loss0,
    lossAfter,
    gradNorm: Math.sqrt(dot(gLoss, gLoss)),
    cgIterations: cg.iterations,
    cgResidual: cg.residual,
    quadraticKl,
    expectedImprovement: expectedRate,
    accepted: ls.accepted,
    fraction: ls.fraction,
    kl,
  };
}

/**
 * One TRPO step of the Gaussian policy `view` (scalar σ) on `batch` (see the file comment); leaves
 * θ at the accepted parameters (or θ₀) and the grads of the view's parameters holding ∇f(θ₀).
 * `scratch` keeps the Fisher's buffers across steps (a rule passes its own).
 */
export function trpoStep(
  view: GaussianPolicyView,
  batch: TrpoBatch,
  stateDim: number,
  config: TrpoConfig,
  scratch?: FisherScratch,
): TrpoStepInfo {
  checkTrpoConfig(config);
  const { states, T } = batch;
  const P = view.size;
  const theta0 = readFlat(view.params, new Float64Array(P));
  const mu0 = new Float64Array(T);
  const mu = new Float64Array(T);
  const gMu = new Float64Array(T);

  view.forwardMu(states, T, mu0);
  const ell0 = view.logSigma();
  let logProbOld = batch.logProbOld;
  if (!logProbOld) {
    const sigma0 = Math.exp(ell0);
    logProbOld = new Float64Array(T);
    for (let t = 0; t < T; t++) logProbOld[t] = gaussianLogProbSigma(batch.actions[t], mu0[t], sigma0);
  }
  for (const p of view.params) p.grad.fill(0);
  const s0 = surrogateLoss(mu0, ell0, batch, logProbOld, gMu);
  view.backwardMu(gMu);
  const g = readFlatGrad(view.params, new Float64Array(P)); // ∇f(θ₀), ρ entry below
  g[view.logSigmaIndex] = s0.gradLogSigma * view.logSigmaSlope();

  const fisher = new GaussianFisher(view, states, T, stateDim, scratch);
  const lp = logProbOld;
  // the batch's values do not change during the step: later evaluations may skip their check
  const forwardAgain =
    view.forwardMuSame ?? ((s: Float64Array, n: number, out: Float64Array) => view.forwardMu(s, n, out));
  return trpoSolve(
    {
      params: view.params,
      theta0,
      loss0: s0.loss,
      grad: g,
      fisher: (v, out, damping) => {
        fisher.apply(v, out, damping);
      },
      loss: (theta) => {
        writeFlat(view.params, theta);
        forwardAgain(states, T, mu);
        return surrogateLoss(mu, view.logSigma(), batch, lp, null).loss;
      },
      klAfterStep: () => {
        view.refresh();
        forwardAgain(states, T, mu);
        return meanGaussianKl(mu0, ell0, mu, view.logSigma(), T);
      },
    },
    config,
  );
}

/** Writes the flat `flat` into the tensors' grads. */
export function writeGrads(params: readonly Parameter[], flat: Float64Array): void {
  let o = 0;
  for (const p of params) {
    p.grad.set(flat.subarray(o, o + p.grad.length));
    o += p.grad.length;
  }
}
