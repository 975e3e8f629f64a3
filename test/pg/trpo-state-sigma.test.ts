import { Matrix, solve } from "ml-matrix";
import { describe, expect, it } from "vitest";
import { GaussianHead, gaussianLogProbSigma, type SigmaMap } from "../../src/heads/gaussian.js";
import { Adam } from "../../src/optim/adam.js";
import { CpGrid } from "../../src/parametrizations/cp-grid.js";
import { AxisGrid } from "../../src/parametrizations/discretizer.js";
import { ScalarMlp } from "../../src/parametrizations/mlp.js";
import type { Parametrization } from "../../src/parametrizations/parametrization.js";
import { StackedParametrization } from "../../src/parametrizations/stack.js";
import { TransitionBuffer } from "../../src/pg/batch-update.js";
import { conjugateGradient, dot, scaleToKl } from "../../src/pg/trpo.js";
import {
  gaussianKlGrad,
  readFlat,
  readFlatGrad,
  writeFlat,
  type TrpoBatch,
} from "../../src/pg/trpo-gaussian.js";
import { TrpoRule } from "../../src/pg/trpo-rule.js";
import {
  meanStateSigmaKl,
  StateSigmaFisher,
  stateSigmaPolicyView,
  stateSigmaSurrogateLoss,
  trpoStepStateSigma,
  type StateSigmaPolicyView,
} from "../../src/pg/trpo-state-sigma.js";
import { Rng } from "../../src/random/rng.js";
import { makeEnv } from "../../src/envs/registry.js";
import { episodesToReach, trainBatches } from "../../experiments/lib/batch-train.js";
import { buildModel } from "../../experiments/lib/tensor-models.js";

const S = 2;
const REF = { maxKl: 0.01, damping: 1e-3, cgIterations: 5, cgTolerance: 1e-10 };

type ActorKind = "cp" | "mlp+cp";

/**
 * A tiny state-dependent-σ policy: z = [z_μ, z_σ] from one CP tensor with a 2-entry output mode
 * ("cp"), or from a 2-3-1 MLP for μ stacked on a rank-1 CP tensor for σ ("mlp+cp"); T random steps.
 */
function tiny(seed: number, kind: ActorKind, map: SigmaMap, T = 9) {
  const rng = new Rng(seed);
  const grid = new AxisGrid({ low: [-1, -1], high: [1, 1], buckets: 3 });
  let actor: Parametrization;
  if (kind === "cp") {
    const cp = new CpGrid({ grid, rank: 2, outputs: 2 });
    cp.initNormal(rng, 0.6);
    actor = cp;
  } else {
    const mlp = new ScalarMlp(S, 3, "mu", { activation: "tanh" });
    mlp.initTorchDefault(rng);
    const sigma = new CpGrid({ grid, rank: 1, name: "sigma" });
    sigma.initNormal(rng, 0.5);
    actor = new StackedParametrization([mlp, sigma]);
  }
  const head = new GaussianHead({ sigma: { kind: "state", map } });
  const view = stateSigmaPolicyView(actor, head);
  const states = rng.fillNormal(new Float64Array(T * S));
  const actions = rng.fillNormal(new Float64Array(T));
  const advantages = rng.fillNormal(new Float64Array(T));
  const batch: TrpoBatch = { states, actions, advantages, logProbOld: null, T };
  return { rng, actor, head, view, batch };
}

function evalView(view: StateSigmaPolicyView, batch: TrpoBatch) {
  const mu = new Float64Array(batch.T);
  const sigma = new Float64Array(batch.T);
  view.forward(batch.states, batch.T, mu, sigma);
  return { mu, sigma };
}

/** Central difference of f along each flat coordinate of θ. */
function numericGradient(view: StateSigmaPolicyView, f: () => number, h = 1e-6): Float64Array {
  const theta = readFlat(view.params, new Float64Array(view.size));
  const out = new Float64Array(view.size);
  for (let j = 0; j < view.size; j++) {
    const up = theta.slice();
    const dn = theta.slice();
    up[j] += h;
    dn[j] -= h;
    writeFlat(view.params, up);
    const fu = f();
    writeFlat(view.params, dn);
    const fd = f();
    out[j] = (fu - fd) / (2 * h);
  }
  writeFlat(view.params, theta);
  return out;
}

/** ∇_θ KL̄(θ) = (1/T) Σ_t (∂KL/∂μ_t ∇μ_t + ∂KL/∂ℓ_t ∇ℓ_t) at the current θ, through the view's backward. */
function klGradient(view: StateSigmaPolicyView, batch: TrpoBatch, mu0: Float64Array, sigma0: Float64Array) {
  const T = batch.T;
  const { mu, sigma } = evalView(view, batch);
  const gMu = new Float64Array(T);
  const gEll = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    const g = gaussianKlGrad(mu0[t], Math.log(sigma0[t]), mu[t], Math.log(sigma[t]));
    gMu[t] = g.mu / T;
    gEll[t] = g.logSigma / T;
  }
  for (const p of view.params) p.grad.fill(0);
  view.backward(gMu, gEll);
  return readFlatGrad(view.params, new Float64Array(view.size));
}

/** F built explicitly from central-difference Jacobians of μ_t and ℓ_t: (1/T) Σ J_μᵀJ_μ/σ² + 2 J_ℓᵀJ_ℓ. */
function explicitFisher(view: StateSigmaPolicyView, batch: TrpoBatch): Matrix {
  const { T } = batch;
  const P = view.size;
  const theta = readFlat(view.params, new Float64Array(P));
  const { sigma: s0 } = evalView(view, batch);
  const Jm = new Matrix(T, P);
  const Jl = new Matrix(T, P);
  const h = 1e-6;
  for (let j = 0; j < P; j++) {
    const up = theta.slice();
    const dn = theta.slice();
    up[j] += h;
    dn[j] -= h;
    writeFlat(view.params, up);
    const a = evalView(view, batch);
    writeFlat(view.params, dn);
    const b = evalView(view, batch);
    for (let t = 0; t < T; t++) {
      Jm.set(t, j, (a.mu[t] - b.mu[t]) / (2 * h));
      Jl.set(t, j, (Math.log(a.sigma[t]) - Math.log(b.sigma[t])) / (2 * h));
    }
  }
  writeFlat(view.params, theta);
  const W = Matrix.diag(Array.from(s0, (s) => 1 / (s * s)));
  return Jm.transpose()
    .mmul(W)
    .mmul(Jm)
    .add(Jl.transpose().mmul(Jl).mul(2))
    .mul(1 / T);
}

const CASES: [ActorKind, SigmaMap][] = [
  ["cp", "exp"],
  ["cp", "softplus"],
  ["mlp+cp", "exp"],
  ["mlp+cp", "softplus"],
];

describe("TRPO with a state-dependent σ (low-rank / CP σ head)", () => {
  it("the view's σ_t is the head's: the rollout log-probs give ratio 1 and the surrogate −mean Â at θ₀", () => {
    const { actor, head, view, batch } = tiny(1, "cp", "softplus");
    const { mu, sigma } = evalView(view, batch);
    const z = new Float64Array(2);
    const lp = new Float64Array(batch.T);
    for (let t = 0; t < batch.T; t++) {
      actor.forwardOne(batch.states.subarray(t * S, (t + 1) * S), z, 0);
      expect(head.mean(z, 0)).toBe(mu[t]);
      expect(head.sigma(z, 0)).toBe(sigma[t]);
      lp[t] = head.logProb(z, 0, batch.actions[t]);
      expect(lp[t]).toBe(gaussianLogProbSigma(batch.actions[t], mu[t], sigma[t]));
    }
    const mean = batch.advantages.reduce((a, b) => a + b, 0) / batch.T;
    expect(stateSigmaSurrogateLoss(mu, sigma, batch, lp, null, null)).toBeCloseTo(-mean, 14);
  });

  it("surrogate gradient (ratio ≠ 1) through μ and σ matches central differences", () => {
    for (const [i, [kind, map]] of CASES.entries()) {
      const { view, batch, rng } = tiny(10 + i, kind, map);
      const T = batch.T;
      const { mu, sigma } = evalView(view, batch);
      const lpOld = Float64Array.from(
        { length: T },
        (_, t) => gaussianLogProbSigma(batch.actions[t], mu[t], sigma[t]) + 0.3 * rng.normal(),
      );
      const f = () => {
        const e = evalView(view, batch);
        return stateSigmaSurrogateLoss(e.mu, e.sigma, batch, lpOld, null, null);
      };
      const gMu = new Float64Array(T);
      const gEll = new Float64Array(T);
      evalView(view, batch);
      const e = evalView(view, batch);
      expect(stateSigmaSurrogateLoss(e.mu, e.sigma, batch, lpOld, gMu, gEll)).toBe(f());
      evalView(view, batch);
      for (const p of view.params) p.grad.fill(0);
      view.backward(gMu, gEll);
      const g = readFlatGrad(view.params, new Float64Array(view.size));
      const num = numericGradient(view, f);
      expect(g.some((x) => x !== 0)).toBe(true);
      for (let j = 0; j < view.size; j++)
        expect(Math.abs(g[j] - num[j]), `${kind}/${map} θ[${j}]`).toBeLessThan(1e-6 * (1 + Math.abs(num[j])));
    }
  });

  it("KL of diagonal Gaussians with per-state σ: 0 at θ₀, its θ-gradient matches central differences", () => {
    for (const [i, [kind, map]] of CASES.entries()) {
      const { view, batch, rng } = tiny(20 + i, kind, map);
      const { mu: mu0, sigma: s0 } = evalView(view, batch);
      expect(meanStateSigmaKl(mu0, s0, mu0, s0, batch.T)).toBe(0);
      // move away from θ₀ so the gradient is not 0
      const theta = readFlat(view.params, new Float64Array(view.size));
      writeFlat(
        view.params,
        theta.map((x) => x + 0.2 * rng.normal()),
      );
      const f = () => {
        const e = evalView(view, batch);
        return meanStateSigmaKl(mu0, s0, e.mu, e.sigma, batch.T);
      };
      expect(f()).toBeGreaterThan(0);
      const g = klGradient(view, batch, mu0, s0);
      const num = numericGradient(view, f);
      for (let j = 0; j < view.size; j++)
        expect(Math.abs(g[j] - num[j]), `${kind}/${map} θ[${j}]`).toBeLessThan(1e-6 * (1 + Math.abs(num[j])));
    }
  });

  it("Fisher-vector product = explicit Σ J_μᵀJ_μ/σ² + 2 J_ℓᵀJ_ℓ and = the Hessian of the mean KL at θ₀", () => {
    for (const [i, [kind, map]] of CASES.entries()) {
      const { view, batch, rng } = tiny(30 + i, kind, map, 8);
      const P = view.size;
      const fisher = new StateSigmaFisher(view, batch.states, batch.T, S);
      const F = explicitFisher(view, batch);
      const { mu: mu0, sigma: s0 } = evalView(view, batch);
      const theta = readFlat(view.params, new Float64Array(P));
      for (let k = 0; k < 2; k++) {
        const v = rng.fillNormal(new Float64Array(P));
        const Fv = fisher.apply(v, new Float64Array(P), 0.01);
        const want = F.mmul(Matrix.columnVector(Array.from(v))).to1DArray();
        for (let j = 0; j < P; j++) expect(Math.abs(Fv[j] - (want[j] + 0.01 * v[j]))).toBeLessThan(1e-7);
        const h = 1e-5;
        writeFlat(
          view.params,
          theta.map((x, j) => x + h * v[j]),
        );
        const gu = klGradient(view, batch, mu0, s0);
        writeFlat(
          view.params,
          theta.map((x, j) => x - h * v[j]),
        );
        const gd = klGradient(view, batch, mu0, s0);
        writeFlat(view.params, theta);
        const Hv = fisher.apply(v, new Float64Array(P), 0);
        for (let j = 0; j < P; j++) {
          const num = (gu[j] - gd[j]) / (2 * h);
          expect(Math.abs(Hv[j] - num), `${kind}/${map}`).toBeLessThan(1e-6 * (1 + Math.abs(num)));
        }
      }
    }
  });

  it("conjugate gradient with enough iterations equals the explicit (F + λI)⁻¹ g", () => {
    const { view, batch } = tiny(40, "mlp+cp", "softplus", 12);
    const P = view.size;
    const T = batch.T;
    const lambda = 1e-2;
    const fisher = new StateSigmaFisher(view, batch.states, T, S);
    const F = explicitFisher(view, batch);
    for (let j = 0; j < P; j++) F.set(j, j, F.get(j, j) + lambda);
    const { mu, sigma } = evalView(view, batch);
    const lp = Float64Array.from({ length: T }, (_, t) =>
      gaussianLogProbSigma(batch.actions[t], mu[t], sigma[t]),
    );
    const gMu = new Float64Array(T);
    const gEll = new Float64Array(T);
    stateSigmaSurrogateLoss(mu, sigma, batch, lp, gMu, gEll);
    for (const p of view.params) p.grad.fill(0);
    view.backward(gMu, gEll);
    const g = readFlatGrad(view.params, new Float64Array(P));
    const exact = solve(F, Matrix.columnVector(Array.from(g))).to1DArray();
    const cg = conjugateGradient((v, out) => fisher.apply(v, out, lambda), g, 4 * P, 0, 0);
    const scale = Math.max(...exact.map(Math.abs));
    for (let j = 0; j < P; j++) expect(Math.abs(cg.x[j] - exact[j])).toBeLessThan(1e-6 * scale);
    // the KL scaling: ½ sᵀ(F + λI)s = δ
    const Fx = fisher.apply(cg.x, new Float64Array(P), lambda);
    const s = scaleToKl(cg.x, Fx, 1e-3, 0);
    expect(0.5 * dot(s, fisher.apply(s, new Float64Array(P), lambda))).toBeCloseTo(1e-3, 12);
  });

  it("trpoStepStateSigma improves the surrogate with the true KL ≈ δ, or keeps θ₀ when nothing helps", () => {
    for (const [i, [kind, map]] of CASES.entries()) {
      const { view, batch } = tiny(50 + i, kind, map, 60);
      const theta0 = readFlat(view.params, new Float64Array(view.size));
      const info = trpoStepStateSigma(view, batch, S, { ...REF, maxKl: 1e-3 });
      expect(info.accepted, `${kind}/${map}`).toBe(true);
      expect(info.lossAfter).toBeLessThan(info.lossBefore);
      expect(info.quadraticKl).toBeCloseTo(1e-3, 9);
      expect(info.kl).toBeGreaterThan(0);
      expect(info.kl).toBeLessThan(2e-3);
      const moved = readFlat(view.params, new Float64Array(view.size));
      expect(moved.some((x, j) => x !== theta0[j])).toBe(true);
      // the σ part moved too
      const { sigma } = evalView(view, batch);
      writeFlat(view.params, theta0);
      const { sigma: s0 } = evalView(view, batch);
      expect(sigma.some((x, t) => x !== s0[t])).toBe(true);
    }
    const z = tiny(60, "cp", "exp", 30);
    z.batch.advantages.fill(0);
    const before = readFlat(z.view.params, new Float64Array(z.view.size));
    expect(trpoStepStateSigma(z.view, z.batch, S, REF).accepted).toBe(false);
    expect(readFlat(z.view.params, new Float64Array(z.view.size))).toEqual(before);
  });

  it("TrpoRule takes a CP σ head: critic fit and a KL-limited step on a multi-episode batch; bad actors refused", () => {
    const { actor, head, rng } = tiny(70, "cp", "softplus");
    const critic = new ScalarMlp(S, 4, "v", { activation: "tanh" });
    critic.initTorchDefault(rng);
    const parts = {
      actor,
      head,
      critic,
      actorOptimizer: new Adam(actor.parameters, { lr: 1e-3 }),
      criticOptimizer: new Adam(critic.parameters, { lr: 1e-3 }),
    };
    const rule = new TrpoRule(parts, 0.9, { ...REF, tau: 0.9 });
    expect(rule.view.kind).toBe("state");
    const buf = new TransitionBuffer(S);
    const z = new Float64Array(2);
    for (let e = 0; e < 3; e++) {
      for (let t = 0; t < 40; t++) {
        const s = [rng.normal(), rng.normal()];
        actor.forwardOne(s, z, 0);
        const a = head.sample(z, 0, rng);
        buf.push(s, a, -Math.abs(a - s[0]), head.logProb(z, 0, a));
      }
      buf.endEpisode(e !== 1, [0.1, 0.2]);
    }
    const r1 = rule.update(buf);
    expect(r1.step.accepted).toBe(true);
    expect(r1.step.lossAfter).toBeLessThan(r1.step.lossBefore);
    expect(r1.step.quadraticKl).toBeCloseTo(REF.maxKl, 8);
    expect(r1.step.kl).toBeGreaterThan(0);
    expect(r1.step.kl).toBeLessThan(5 * REF.maxKl);
    const one = new ScalarMlp(S, 3, "m");
    expect(() => new TrpoRule({ ...parts, actor: one }, 0.9, { ...REF, tau: 0.9 })).toThrow(
      /state-dependent σ needs an actor with 2 outputs per state \(z_μ, z_σ\), got 1/,
    );
    const sig = new GaussianHead({ sigma: { kind: "state", map: "exp" }, sigmoidMean: true });
    expect(() => stateSigmaPolicyView(actor, sig)).toThrow(/no sigmoid mean/);
    expect(() => stateSigmaPolicyView(actor, new GaussianHead())).toThrow(/scalar σ/);
  });

  it("learns: TRPO with a CP mean and a rank-2 CP σ(s) reaches −1000 on Pendulum-v1 (10-episode mean) within 160 episodes", () => {
    const seed = 1;
    const rng = new Rng(seed);
    const grid = { low: [-1, -1, -5], high: [1, 1, 10], buckets: 10 };
    const model = buildModel(
      {
        kind: "tensor",
        actorGrid: grid,
        criticGrid: grid,
        rank: 5,
        actorScale: 0.1,
        criticScale: 1,
        logSigmaClamp: [-2.5, 0],
        sigmaRank: 2,
      },
      3,
      rng,
      1e-3,
      1e-3,
    );
    expect(model.head.sigmaMap).toBe("exp");
    expect(model.actor.outputDim).toBe(2);
    const rule = new TrpoRule(model.parts, 0.9, { ...REF, tau: 0.9, criticSkipGradientAbove: 1e10 });
    const r = trainBatches({
      env: makeEnv("Pendulum-v1", { g: 9.81, maxEpisodeSteps: 1000, rng: rng.fork() }),
      actor: model.actor,
      head: model.head,
      rule,
      rng,
      episodes: 160,
      maxSteps: 1000,
      updateEvery: 10_000,
      protocol: "clean",
      envSeed: seed,
      stopWhen: (returns) => episodesToReach(returns, -1000, 10) !== null,
    });
    const first = r.returns.slice(0, 10).reduce((a, b) => a + b, 0) / 10;
    expect(first).toBeLessThan(-3000);
    expect(episodesToReach(r.returns, -1000, 10)).not.toBeNull();
    // σ(s) learned per state: it differs across the visited cells
    const z = new Float64Array(2);
    const sigmas = new Set<number>();
    for (const s of [
      [1, 0, 0],
      [-1, 0, 0],
      [0, 1, 3],
      [0, -1, -3],
    ]) {
      model.actor.forwardOne(s, z, 0);
      sigmas.add(model.head.sigma(z, 0));
    }
    expect(sigmas.size).toBeGreaterThan(1);
  }, 120_000);
});
