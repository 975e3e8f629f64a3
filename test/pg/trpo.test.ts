import { Matrix, solve } from "ml-matrix";
import { describe, expect, it } from "vitest";
import { GaussianHead, gaussianLogProbSigma } from "../../src/heads/gaussian.js";
import { ScalarMlp } from "../../src/parametrizations/mlp.js";
import { Rng } from "../../src/random/rng.js";
import {
  backtrackingLineSearch,
  checkTrpoConfig,
  conjugateGradient,
  dot,
  scaleToKl,
  trpoStep,
  type TrpoConfig,
} from "../../src/pg/trpo.js";
import {
  GaussianFisher,
  gaussianKl,
  gaussianKlGrad,
  gaussianPolicyView,
  meanGaussianKl,
  readFlat,
  readFlatGrad,
  surrogateLoss,
  writeFlat,
  type GaussianPolicyView,
  type TrpoBatch,
} from "../../src/pg/trpo-gaussian.js";

const S = 2;

/** A tiny Gaussian policy: μ = 2-3-1 MLP, scalar ρ = log σ, and a batch of T random steps. */
function tiny(seed: number, T = 7, rho = -0.3, range: [number, number] | null = null) {
  const rng = new Rng(seed);
  const actor = new ScalarMlp(S, 3, "mu");
  actor.initTorchDefault(rng);
  const head = new GaussianHead({ sigma: { kind: "scalar", logSigmaInit: rho } });
  const view = gaussianPolicyView(actor, head, { logSigmaRange: range });
  const states = rng.fillNormal(new Float64Array(T * S));
  const actions = rng.fillNormal(new Float64Array(T));
  const advantages = rng.fillNormal(new Float64Array(T));
  const batch: TrpoBatch = { states, actions, advantages, logProbOld: null, T };
  return { rng, actor, head, view, batch };
}

function mus(view: GaussianPolicyView, batch: TrpoBatch): Float64Array {
  const mu = new Float64Array(batch.T);
  view.forwardMu(batch.states, batch.T, mu);
  return mu;
}

/** ∇_θ of the mean KL(π₀ ‖ π_θ) at the current θ (analytic KL gradient, the view's backward). */
function klGradient(
  view: GaussianPolicyView,
  batch: TrpoBatch,
  mu0: Float64Array,
  ell0: number,
): Float64Array {
  const T = batch.T;
  const mu = mus(view, batch);
  const ell = view.logSigma();
  for (const p of view.params) p.grad.fill(0);
  const gMu = new Float64Array(T);
  let gl = 0;
  for (let t = 0; t < T; t++) {
    const g = gaussianKlGrad(mu0[t], ell0, mu[t], ell);
    gMu[t] = g.mu / T;
    gl += g.logSigma / T;
  }
  view.backwardMu(gMu);
  const out = readFlatGrad(view.params, new Float64Array(view.size));
  out[view.logSigmaIndex] = gl * view.logSigmaSlope();
  return out;
}

/** F built explicitly: central-difference Jacobian of μ, then (1/T) Jᵀ J / σ² + 2 e_ρ e_ρᵀ. */
function explicitFisher(view: GaussianPolicyView, batch: TrpoBatch): Matrix {
  const P = view.size;
  const T = batch.T;
  const theta = readFlat(view.params, new Float64Array(P));
  const J = new Matrix(T, P);
  const h = 1e-6;
  for (let j = 0; j < P; j++) {
    if (j === view.logSigmaIndex) continue;
    const up = theta.slice();
    const down = theta.slice();
    up[j] += h;
    down[j] -= h;
    writeFlat(view.params, up);
    const mp = mus(view, batch);
    writeFlat(view.params, down);
    const mm = mus(view, batch);
    for (let t = 0; t < T; t++) J.set(t, j, (mp[t] - mm[t]) / (2 * h));
  }
  writeFlat(view.params, theta);
  const s2 = Math.exp(2 * view.logSigma());
  const F = J.transpose()
    .mmul(J)
    .mul(1 / (T * s2));
  const c = view.logSigmaSlope();
  F.set(view.logSigmaIndex, view.logSigmaIndex, F.get(view.logSigmaIndex, view.logSigmaIndex) + 2 * c * c);
  return F;
}

const REF: TrpoConfig = { maxKl: 0.01, damping: 1e-3, cgIterations: 5, cgTolerance: 1e-10 };

describe("TRPO Gaussian pieces", () => {
  it("KL of two Gaussians: zero at equality, positive otherwise, gradient matches central differences", () => {
    const rng = new Rng(1);
    for (let k = 0; k < 50; k++) {
      const [m0, l0, m1, l1] = [rng.normal(), 0.5 * rng.normal(), rng.normal(), 0.5 * rng.normal()];
      expect(gaussianKl(m0, l0, m0, l0)).toBeCloseTo(0, 14);
      expect(gaussianKl(m0, l0, m1, l1)).toBeGreaterThan(0);
      const g = gaussianKlGrad(m0, l0, m1, l1);
      const h = 1e-6;
      const dmu = (gaussianKl(m0, l0, m1 + h, l1) - gaussianKl(m0, l0, m1 - h, l1)) / (2 * h);
      const dl = (gaussianKl(m0, l0, m1, l1 + h) - gaussianKl(m0, l0, m1, l1 - h)) / (2 * h);
      expect(Math.abs(g.mu - dmu)).toBeLessThan(1e-6 * (1 + Math.abs(dmu)));
      expect(Math.abs(g.logSigma - dl)).toBeLessThan(1e-6 * (1 + Math.abs(dl)));
    }
  });

  it("surrogate loss and its θ-gradient (ratio ≠ 1) match central differences", () => {
    for (const [seed, range] of [
      [2, null],
      [3, [-2.5, 0]],
      [4, [-0.1, 0.5]], // ρ = −0.3 clamped: no gradient through ℓ
    ] as const) {
      const { view, batch, rng } = tiny(seed, 9, -0.3, range ? [range[0], range[1]] : null);
      const T = batch.T;
      const mu0 = mus(view, batch);
      const lpOld = new Float64Array(T);
      for (let t = 0; t < T; t++)
        lpOld[t] =
          gaussianLogProbSigma(batch.actions[t], mu0[t], Math.exp(view.logSigma())) + 0.3 * rng.normal();
      const f = () => surrogateLoss(mus(view, batch), view.logSigma(), batch, lpOld, null).loss;
      const gMu = new Float64Array(T);
      for (const p of view.params) p.grad.fill(0);
      const r = surrogateLoss(mus(view, batch), view.logSigma(), batch, lpOld, gMu);
      expect(r.loss).toBe(f());
      view.backwardMu(gMu);
      const g = readFlatGrad(view.params, new Float64Array(view.size));
      g[view.logSigmaIndex] = r.gradLogSigma * view.logSigmaSlope();
      const theta = readFlat(view.params, new Float64Array(view.size));
      const h = 1e-6;
      for (let j = 0; j < view.size; j++) {
        const up = theta.slice();
        const dn = theta.slice();
        up[j] += h;
        dn[j] -= h;
        writeFlat(view.params, up);
        const fu = f();
        writeFlat(view.params, dn);
        const fd = f();
        writeFlat(view.params, theta);
        const num = (fu - fd) / (2 * h);
        expect(Math.abs(g[j] - num)).toBeLessThan(1e-6 * (1 + Math.abs(num)));
      }
      if (range && range[0] > -0.3) expect(Math.abs(g[view.logSigmaIndex])).toBe(0);
    }
  });

  it("Fisher-vector product = the explicit Jᵀ M J and = the Hessian of the mean KL (central differences of its gradient)", () => {
    const { view, batch, rng } = tiny(5, 8);
    const P = view.size;
    const fisher = new GaussianFisher(view, batch.states, batch.T, S);
    const F = explicitFisher(view, batch);
    const mu0 = mus(view, batch);
    const ell0 = view.logSigma();
    const theta = readFlat(view.params, new Float64Array(P));
    for (let k = 0; k < 3; k++) {
      const v = rng.fillNormal(new Float64Array(P));
      const Fv = fisher.apply(v, new Float64Array(P), 0.01);
      const want = F.mmul(Matrix.columnVector(Array.from(v))).to1DArray();
      for (let j = 0; j < P; j++) expect(Math.abs(Fv[j] - (want[j] + 0.01 * v[j]))).toBeLessThan(1e-7);
      // Hessian of the mean KL at θ₀ along v, by central differences of the analytic KL gradient
      const h = 1e-5;
      const up = theta.map((x, j) => x + h * v[j]);
      const dn = theta.map((x, j) => x - h * v[j]);
      writeFlat(view.params, up);
      const gu = klGradient(view, batch, mu0, ell0);
      writeFlat(view.params, dn);
      const gd = klGradient(view, batch, mu0, ell0);
      writeFlat(view.params, theta);
      const Hv = fisher.apply(v, new Float64Array(P), 0);
      for (let j = 0; j < P; j++) {
        const num = (gu[j] - gd[j]) / (2 * h);
        expect(Math.abs(Hv[j] - num)).toBeLessThan(1e-6 * (1 + Math.abs(num)));
      }
    }
  });

  it("conjugate gradient with P iterations equals the explicit (F + λI)⁻¹ g on a tiny model", () => {
    const { view, batch } = tiny(6, 12);
    const P = view.size;
    const fisher = new GaussianFisher(view, batch.states, batch.T, S);
    const lambda = 1e-2;
    const F = explicitFisher(view, batch);
    for (let j = 0; j < P; j++) F.set(j, j, F.get(j, j) + lambda);
    const mu = mus(view, batch);
    const gMu = new Float64Array(batch.T);
    for (const p of view.params) p.grad.fill(0);
    const lp = new Float64Array(batch.T);
    const sigma = Math.exp(view.logSigma());
    for (let t = 0; t < batch.T; t++) lp[t] = gaussianLogProbSigma(batch.actions[t], mu[t], sigma);
    const s = surrogateLoss(mu, view.logSigma(), batch, lp, gMu);
    view.backwardMu(gMu);
    const g = readFlatGrad(view.params, new Float64Array(P));
    g[view.logSigmaIndex] = s.gradLogSigma;
    const exact = solve(F, Matrix.columnVector(Array.from(g))).to1DArray();
    const cg = conjugateGradient((v, out) => fisher.apply(v, out, lambda), g, 4 * P, 0, 0);
    const scale = Math.max(...exact.map(Math.abs));
    for (let j = 0; j < P; j++) expect(Math.abs(cg.x[j] - exact[j])).toBeLessThan(1e-6 * scale);
    // residual of the CG solution in the FVP's own metric
    const r = fisher.apply(cg.x, new Float64Array(P), lambda).map((x, j) => x - g[j]);
    expect(Math.sqrt(dot(r, r))).toBeLessThan(1e-8 * Math.sqrt(dot(g, g)));
  });

  it("conjugate gradient stops at the tolerance and counts its iterations", () => {
    const A = [4, 1, 0, 1, 3, 0, 0, 0, 2];
    const Av = (v: Float64Array, out: Float64Array) => {
      for (let i = 0; i < 3; i++) out[i] = A[3 * i] * v[0] + A[3 * i + 1] * v[1] + A[3 * i + 2] * v[2];
    };
    const b = Float64Array.of(1, 2, 3);
    const full = conjugateGradient(Av, b, 10, 1e-20, 0);
    expect(full.iterations).toBe(3);
    const x = full.x;
    expect(4 * x[0] + x[1]).toBeCloseTo(1, 12);
    expect(x[0] + 3 * x[1]).toBeCloseTo(2, 12);
    expect(2 * x[2]).toBeCloseTo(3, 12);
    expect(conjugateGradient(Av, b, 2, 1e-20, 0).iterations).toBe(2);
  });

  it("the step's quadratic KL is the limit δ, and the true mean KL after a full step is ≈ δ", () => {
    for (const maxKl of [1e-3, 1e-4]) {
      const { view, batch } = tiny(7, 40);
      const P = view.size;
      const fisher = new GaussianFisher(view, batch.states, batch.T, S);
      const x = Float64Array.from({ length: P }, (_, j) => Math.sin(j + 1));
      const Fx = fisher.apply(x, new Float64Array(P), 1e-3);
      const s = scaleToKl(x, Fx, maxKl, 0);
      const Fs = fisher.apply(s, new Float64Array(P), 1e-3);
      expect(0.5 * dot(s, Fs)).toBeCloseTo(maxKl, 12);
      const mu0 = mus(view, batch);
      const ell0 = view.logSigma();
      const theta = readFlat(view.params, new Float64Array(P));
      writeFlat(
        view.params,
        theta.map((t, j) => t + s[j]),
      );
      const kl = meanGaussianKl(mu0, ell0, mus(view, batch), view.logSigma(), batch.T);
      writeFlat(view.params, theta);
      // second-order model: KL ≈ ½ sᵀ F s ≤ δ (damping only adds), up to third-order terms
      expect(kl).toBeGreaterThan(0.5 * maxKl);
      expect(kl).toBeLessThan(1.1 * maxKl);
    }
  });

  it("line search: accepts the first fraction with actual/expected > ratio and actual > 0, else keeps θ₀", () => {
    const theta0 = Float64Array.of(0);
    const step = Float64Array.of(1);
    // f by the fraction tried: 1 → ratio exactly 0.1 (not >), ½ → worse (actual < 0), ¼ → ratio 0.12
    const table = new Map([
      [1, -0.1],
      [0.5, 0.01],
      [0.25, -0.03],
    ]);
    const f = (th: Float64Array) => table.get(th[0]) ?? 1;
    const r = backtrackingLineSearch(f, theta0, step, 0, 1, 10, 0.1);
    expect(r).toMatchObject({ accepted: true, fraction: 0.25, tries: 3 });
    expect(r.params[0]).toBe(0.25);
    // the full step is taken at once when it does what the linear model predicts
    const lin = backtrackingLineSearch((th) => -th[0], theta0, step, 0, 1);
    expect(lin).toMatchObject({ accepted: true, fraction: 1, tries: 1 });
    // never better: all 10 fractions tried, θ₀ kept
    const worse = backtrackingLineSearch((th) => th[0] ** 2 + 1, theta0, step, 0, 1);
    expect(worse).toMatchObject({ accepted: false, fraction: 0, tries: 10 });
    expect(worse.params[0]).toBe(0);
    // a positive ratio from a loss increase with a negative expectation is still rejected (actual ≤ 0)
    const neg = backtrackingLineSearch(() => 0.5, theta0, step, 0, -1, 3);
    expect(neg).toMatchObject({ accepted: false, tries: 3 });
    // quadratic: f = −x + 3x², actual/expected = 1 − 3·frac → first > 0.1 at frac ¼
    const quad = backtrackingLineSearch((th) => -th[0] + 3 * th[0] ** 2, theta0, step, 0, 1);
    expect(quad).toMatchObject({ accepted: true, fraction: 0.25, tries: 3 });
  });

  it("trpoStep improves the surrogate within the KL limit, or leaves θ unchanged when nothing helps", () => {
    const { view, batch } = tiny(8, 50);
    const theta0 = readFlat(view.params, new Float64Array(view.size));
    const info = trpoStep(view, batch, S, { ...REF, maxKl: 1e-3 });
    expect(info.accepted).toBe(true);
    expect(info.lossAfter).toBeLessThan(info.lossBefore);
    expect(info.quadraticKl).toBeCloseTo(1e-3, 9);
    expect(info.kl).toBeLessThan(1.5e-3);
    expect(info.cgIterations).toBeLessThanOrEqual(5);
    const moved = readFlat(view.params, new Float64Array(view.size));
    expect(moved.some((x, j) => x !== theta0[j])).toBe(true);
    // zero advantages: g = 0, no expected improvement, every try rejected, θ unchanged
    const z = tiny(8, 50);
    z.batch.advantages.fill(0);
    const before = readFlat(z.view.params, new Float64Array(z.view.size));
    const none = trpoStep(z.view, z.batch, S, REF);
    expect(none.accepted).toBe(false);
    expect(readFlat(z.view.params, new Float64Array(z.view.size))).toEqual(before);
  });

  it("bad TRPO settings fail with one line naming the field and its range", () => {
    expect(() => checkTrpoConfig({ ...REF, maxKl: 0 })).toThrow(/maxKl must be a finite number > 0, got 0/);
    expect(() => checkTrpoConfig({ ...REF, damping: -1 })).toThrow(/damping must be a finite number >= 0/);
    expect(() => checkTrpoConfig({ ...REF, cgIterations: 2.5 })).toThrow(
      /cgIterations must be an integer in \[1, 10000\]/,
    );
    expect(() => checkTrpoConfig({ ...REF, acceptRatio: 1 })).toThrow(
      /acceptRatio must be a number in \[0, 1\)/,
    );
    expect(() => checkTrpoConfig({ ...REF, backtracks: 0 })).toThrow(
      /backtracks must be an integer in \[1, 60\]/,
    );
    const head = new GaussianHead({ sigma: { kind: "state", map: "exp" } });
    expect(() => gaussianPolicyView(new ScalarMlp(2, 2, "m"), head)).toThrow(/scalar log σ/);
  });
});
