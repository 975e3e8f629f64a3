import { describe, expect, it } from "vitest";
import {
  GaussianHead,
  gaussianLogProbSigma,
  gaussianLogSigmaGrad,
  gaussianLoss,
  gaussianMeanGrad,
  gaussianNll,
} from "../../src/heads/gaussian.js";
import { Adam } from "../../src/optim/adam.js";
import type { Parameter } from "../../src/optim/parameter.js";
import type { PolicyHead } from "../../src/heads/head.js";
import { CpGrid } from "../../src/parametrizations/cp-grid.js";
import { AxisGrid } from "../../src/parametrizations/discretizer.js";
import { ScalarMlp } from "../../src/parametrizations/mlp.js";
import type { Parametrization } from "../../src/parametrizations/parametrization.js";
import { RbfFeatures } from "../../src/parametrizations/rbf.js";
import { GaeActorCritic } from "../../src/pg/actor-critic.js";
import { TransitionBuffer } from "../../src/pg/batch-update.js";
import { GaussianFisher, gaussianPolicyView } from "../../src/pg/trpo-gaussian.js";
import { TrpoRule } from "../../src/pg/trpo-rule.js";
import { ppoGaussianEpoch, ppoSurrogate } from "../../src/pg/ppo.js";
import type { TensorPgAlgo } from "../../experiments/lib/tensor-models.js";
import { Rng } from "../../src/random/rng.js";

/**
 * The fast paths of the tensor-low-rank PG models keep every number: sparse Fisher rows against
 * the dense per-state rows, the RBF's four-states-at-a-time loops and the tanh MLP's kept
 * activations against their one-state-at-a-time forms, compared bit for bit.
 */

const bits = (a: ArrayLike<number>): string[] => Array.from(a, (x) => (Object.is(x, -0) ? "-0" : String(x)));
const S = 3;

function states(rng: Rng, T: number): Float64Array {
  return Float64Array.from({ length: T * S }, (_, i) =>
    i % S === 2 ? rng.normal() * 3 : rng.uniformRange(-1, 1),
  );
}

/** forwardBatch's outputs equal forwardOne's, state by state, bit for bit. */
function expectBatchEqualsOne(f: Parametrization, st: Float64Array, T: number): void {
  const out = new Float64Array(T);
  f.forwardBatch(st, T, out);
  const one = new Float64Array(1);
  for (let t = 0; t < T; t++) {
    f.forwardOne(st.subarray(t * S, (t + 1) * S), one);
    expect(bits([out[t]])).toEqual(bits(one));
  }
}

function cpActor(rng: Rng, rank = 3): CpGrid {
  const a = new CpGrid({ grid: new AxisGrid({ low: [-1, -1, -5], high: [1, 1, 5], buckets: 6 }), rank });
  a.initNormal(rng, 0.5);
  return a;
}

function rbfActor(rng: Rng): RbfFeatures {
  const a = new RbfFeatures(S, { features: 23 }, "actor");
  a.init(rng);
  return a;
}

describe("GaussianFisher: sparse rows of the CP and RBF actors give the dense rows' products exactly", () => {
  for (const [name, make] of [
    ["CP tensor", cpActor],
    ["CP tensor rank 5 (five columns at a time)", (rng: Rng) => cpActor(rng, 5)],
    ["CP tensor rank 7", (rng: Rng) => cpActor(rng, 7)],
    ["RBF", rbfActor],
  ] as const)
    it(`${name}: (F + λI)v bit for bit, for finite v and for v with NaN or ∞ entries`, () => {
      const rng = new Rng(name.length);
      const actor: Parametrization = make(rng);
      const head = new GaussianHead({
        sigma: { kind: "scalar", logSigmaInit: -0.4 },
        logSigmaClamp: [-2, 0],
      });
      const T = 57;
      const st = states(rng, T);
      const view = gaussianPolicyView(actor, head);
      expect(view.sparseJacobianRows).toBeTypeOf("function");
      const denseView = { ...view, sparseJacobianRows: undefined };
      const sparse = new GaussianFisher(view, st, T, S);
      const dense = new GaussianFisher(denseView, st, T, S);
      expect(sparse.jacobian).toBeNull();
      expect(dense.jacobian).not.toBeNull();
      const P = view.size;
      const vs = [0, 1, 2].map(() => rng.fillNormal(new Float64Array(P)));
      const withNaN = rng.fillNormal(new Float64Array(P));
      withNaN[3] = NaN;
      const withInf = rng.fillNormal(new Float64Array(P));
      withInf[P - 2] = Infinity;
      for (const v of [...vs, withNaN, withInf, new Float64Array(P)]) {
        const a = sparse.apply(v, new Float64Array(P), 1e-3);
        const b = dense.apply(v, new Float64Array(P), 1e-3);
        expect(bits(a)).toEqual(bits(b));
      }
    });
});

describe("RBF batch loops", () => {
  it("forwardBatch equals forwardOne and backwardBatch equals the one-state-at-a-time sums (g with zeros), bit for bit", () => {
    const rng = new Rng(3);
    const f = rbfActor(rng);
    const T = 43;
    const st = states(rng, T);
    expectBatchEqualsOne(f, st, T);
    const g = Float64Array.from({ length: T }, (_, t) => (t % 7 === 3 ? 0 : rng.normal()));
    for (const p of f.parameters) p.grad.fill(0);
    f.backwardBatch(g);
    const gW = new Float64Array(f.features);
    let gb = 0;
    const phi = new Float64Array(f.features);
    for (let t = 0; t < T; t++) {
      if (g[t] === 0) continue;
      f.featuresOf(st, t * S, phi);
      gb += g[t];
      for (let k = 0; k < f.features; k++) gW[k] += g[t] * phi[k];
    }
    expect(bits(f.weight.grad)).toEqual(bits(gW));
    expect(bits(f.bias.grad)).toEqual(bits([gb]));
  });
});

describe("tanh MLP with kept activations", () => {
  it("forwardBatch equals forwardOne, and backward from the kept activations equals backward that recomputes them, bit for bit", () => {
    const rng = new Rng(4);
    const f = new ScalarMlp(S, 9, "layers", { activation: "tanh" });
    f.initTorchDefault(rng);
    const T = 31;
    const st = states(rng, T);
    expectBatchEqualsOne(f, st, T);
    const g = rng.fillNormal(new Float64Array(T));
    for (const p of f.parameters) p.grad.fill(0);
    f.backwardBatch(g);
    const kept = f.parameters.map((p) => bits(p.grad));
    for (const p of f.parameters) p.grad.fill(0);
    f.keepBatch(st, T); // keeps the inputs only: backward recomputes the activations
    f.backwardBatch(g);
    expect(f.parameters.map((p) => bits(p.grad))).toEqual(kept);
  });
});

/**
 * The CP grid behind a plain {@link Parametrization} (forwardBatch, backwardBatch and the partial
 * backward only): the rules' generic path, for comparison with their same-batch fast paths.
 */
function plainView(f: CpGrid): Parametrization {
  return {
    inputDim: f.inputDim,
    outputDim: f.outputDim,
    parameters: f.parameters,
    parameterCount: f.parameterCount,
    forwardOne: (s, out, o) => f.forwardOne(s, out, o),
    forwardBatch: (s, T, out) => f.forwardBatch(s, T, out),
    backwardBatch: (g) => f.backwardBatch(g),
    backwardBatchOf: (g: Float64Array, only: ReadonlySet<Parameter> | null) => f.backwardBatchOf(g, only),
    stateDictEntries: () => f.stateDictEntries(),
  } as Parametrization;
}

/** The Gaussian head behind the plain {@link PolicyHead} methods (per-step log-probs, no fused PPO epoch). */
function plainHead(h: GaussianHead): PolicyHead {
  return {
    inputDim: h.inputDim,
    parameters: h.parameters,
    sample: (z, o, rng) => h.sample(z, o, rng),
    mode: (z, o) => h.mode(z, o),
    logProb: (z, o, a) => h.logProb(z, o, a),
    entropy: (z, o) => h.entropy(z, o),
    checkActions: (a, T) => h.checkActions(a, T),
    actorLoss: (z, a, adv, T, g) => h.actorLoss(z, a, adv, T, g),
    refresh: () => h.refresh(),
    stateDictEntries: () => h.stateDictEntries(),
  } as PolicyHead;
}

/** A reference-protocol batch of `episodes` pendulum-like episodes (seeded). */
function rolloutBatch(rng: Rng, episodes: number, steps: number): TransitionBuffer {
  const buf = new TransitionBuffer(S, episodes * steps);
  for (let e = 0; e < episodes; e++) {
    const st = states(rng, steps);
    for (let t = 0; t < steps; t++)
      buf.push(st.subarray(t * S, t * S + S), rng.normal(), -Math.abs(rng.normal()) * 3, rng.normal() - 1);
    buf.endEpisode(e % 2 === 0, st.subarray(0, S));
  }
  return buf;
}

describe("actor-critic and TRPO rules: the CP grid's same-batch sweeps, the batch log-probs and the fused PPO epoch give the generic path's numbers", () => {
  const cases: { name: string; algo: TensorPgAlgo; blocks: boolean; skip?: number }[] = [
    { name: "REINFORCE, critic blocks, guard 1e10", algo: "reinforce", blocks: true, skip: 1e10 },
    { name: "REINFORCE, joint critic, a guard that trips", algo: "reinforce", blocks: false, skip: 0.5 },
    { name: "PPO, critic and actor blocks", algo: "ppo", blocks: true },
    { name: "PPO, joint", algo: "ppo", blocks: false },
    { name: "TRPO", algo: "trpo", blocks: false, skip: 1e10 },
  ];
  for (const c of cases)
    it(`${c.name}: losses, parameters and optimizer states bit for bit over three updates`, () => {
      const run = (plain: boolean) => {
        const rng = new Rng(9);
        const grid = new AxisGrid({ low: [-1, -1, -5], high: [1, 1, 5], buckets: 6 });
        const actor = new CpGrid({ grid, rank: 5 });
        actor.initNormal(rng, 0.3);
        const critic = new CpGrid({ grid, rank: 5, name: "value" });
        critic.initNormal(rng, 1);
        const head = new GaussianHead({
          sigma: { kind: "scalar", logSigmaInit: 0 },
          logSigmaClamp: [-2.5, 0],
        });
        const a: Parametrization = plain ? plainView(actor) : actor;
        const v: Parametrization = plain ? plainView(critic) : critic;
        const parts = {
          actor: a,
          head: plain && c.algo !== "trpo" ? (plainHead(head) as GaussianHead) : head,
          critic: v,
          actorOptimizer: new Adam([...actor.parameters, ...head.parameters], { lr: 1e-2 }),
          criticOptimizer: new Adam(critic.parameters, { lr: 1e-2 }),
        };
        const rule =
          c.algo === "trpo"
            ? new TrpoRule(parts, 0.9, {
                tau: 0.9,
                maxKl: 0.01,
                damping: 1e-3,
                cgIterations: 5,
                cgTolerance: 1e-10,
                criticSkipGradientAbove: c.skip,
              })
            : new GaeActorCritic(parts, 0.9, {
                tau: 0.9,
                epochs: 3,
                clip: c.algo === "ppo" ? 0.3 : undefined,
                critic: { kind: "lbfgs", skipGradientAbove: c.skip },
                criticBlocks: c.blocks ? critic.factors.map((p) => [p]) : null,
                actorBlocks:
                  c.blocks && c.algo === "ppo" ? [[head.logSigma!], ...actor.factors.map((p) => [p])] : null,
              });
        const losses: number[] = [];
        for (let u = 0; u < 3; u++) {
          const r = rule.update(rolloutBatch(rng, 3, 40));
          losses.push(r.lossActor, r.lossCritic);
        }
        return {
          losses: bits(losses),
          params: [...actor.parameters, ...head.parameters, ...critic.parameters].map((p) => bits(p.data)),
          state: JSON.stringify(
            rule instanceof TrpoRule ? rule.lbfgs.getState() : (rule as GaeActorCritic).getState(),
          ),
          adam: JSON.stringify(parts.actorOptimizer.getState()),
        };
      };
      expect(run(false)).toEqual(run(true));
    });
});

describe("Gaussian head: the batch log-probs and the kept log σ", () => {
  for (const opts of [
    { sigma: { kind: "scalar" as const, logSigmaInit: -0.3 }, logSigmaClamp: [-2.5, 0] as [number, number] },
    { sigma: { kind: "scalar" as const, logSigmaInit: 0.7 } },
    { sigma: { kind: "scalar" as const, logSigmaInit: 0.2 }, sigmoidMean: true },
    { sigma: { kind: "state" as const, map: "softplus" as const } },
  ])
    it(`logProb and logProbs equal gaussianLogProbSigma(a, μ, σ) bit for bit (${JSON.stringify(opts)})`, () => {
      const rng = new Rng(12);
      const head = new GaussianHead(opts);
      const D = head.inputDim;
      const T = 37;
      const z = rng.fillNormal(new Float64Array(T * D));
      const actions = rng.fillNormal(new Float64Array(T));
      actions[4] = z[4 * D]; // d = 0
      const want = Array.from({ length: T }, (_, t) =>
        gaussianLogProbSigma(actions[t], head.mean(z, t * D), head.sigma(z, t * D)),
      );
      expect(bits(head.logProbs(z, actions, T, new Float64Array(T)))).toEqual(bits(want));
      expect(bits(want.map((_, t) => head.logProb(z, t * D, actions[t])))).toEqual(bits(want));
      if (head.logSigma) {
        head.logSigma.data[0] = -1.1; // a new ρ reaches logProb after refresh
        head.refresh();
        const sigma = head.sigma(z, 0);
        expect(bits([head.logProb(z, 0, actions[0])])).toEqual(
          bits([gaussianLogProbSigma(actions[0], head.mean(z, 0), sigma)]),
        );
      }
    });

  it("gaussianLoss with a scalar σ and μ = z gives the per-step formula's loss and gradients bit for bit", () => {
    const rng = new Rng(13);
    const T = 41;
    const z = rng.fillNormal(new Float64Array(T));
    const actions = rng.fillNormal(new Float64Array(T));
    const adv = rng.fillNormal(new Float64Array(T));
    adv[5] = 0;
    const rho = -0.37;
    const grad = new Float64Array(T);
    const r = gaussianLoss(z, 1, actions, adv, T, false, rho, null, grad);
    const sigma = Math.exp(rho);
    const logSigma = Math.log(sigma);
    let loss = 0;
    let gRho = 0;
    const want = new Float64Array(T);
    for (let t = 0; t < T; t++) {
      const d = actions[t] - z[t];
      const w = (1 / T) * adv[t];
      const variance = sigma * sigma;
      loss += gaussianNll(d, variance, logSigma) * adv[t];
      want[t] = gaussianMeanGrad(w, d, variance);
      gRho += gaussianLogSigmaGrad(w, d, variance);
    }
    expect(bits([r.loss, r.gradLogSigma])).toEqual(bits([loss / T, gRho]));
    expect(bits(grad)).toEqual(bits(want));
  });
});

describe("ppoGaussianEpoch", () => {
  for (const [name, rho, clamp] of [
    ["ρ inside its clamp", -0.4, [-2.5, 0]],
    ["ρ above its clamp (no ∂/∂ρ)", 0.3, [-2.5, 0]],
    ["no clamp", 0.2, null],
  ] as const)
    it(`equals headLogProbs, ppoSurrogate and the head's actorLoss on −N·c bit for bit (${name}; ties, clipped and unclipped ratios)`, () => {
      const rng = new Rng(21);
      const N = 64;
      const make = () =>
        new GaussianHead({
          sigma: { kind: "scalar", logSigmaInit: rho },
          logSigmaClamp: clamp ? [...clamp] : null,
        });
      const z = rng.fillNormal(new Float64Array(N));
      const actions = rng.fillNormal(new Float64Array(N));
      const adv = rng.fillNormal(new Float64Array(N));
      adv[7] = 0;
      const ref = make();
      const lp0 = ref.logProbs(z, actions, N, new Float64Array(N));
      // old log-probs: equal (ratio 1, a tie), slightly off (inside the clip range) and far off (clipped)
      const old = Float64Array.from(lp0, (v, i) =>
        i % 3 === 0 ? v : i % 3 === 1 ? v + 0.05 * rng.normal() : v + rng.normal(),
      );
      const lp = new Float64Array(N);
      const c = new Float64Array(N);
      const w = new Float64Array(N);
      const gradZ = new Float64Array(N);
      ref.logProbs(z, actions, N, lp);
      const want = ppoSurrogate(lp, old, adv, N, 0.3, c);
      for (let i = 0; i < N; i++) w[i] = -N * c[i];
      ref.logSigma!.grad[0] = 0.125;
      ref.actorLoss(z, actions, w, N, gradZ);
      const head = make();
      head.logSigma!.grad[0] = 0.125;
      const lp2 = new Float64Array(N);
      const gradZ2 = new Float64Array(N);
      const got = ppoGaussianEpoch(head, z, actions, old, adv, N, 0.3, lp2, gradZ2);
      expect(bits([got])).toEqual(bits([want]));
      expect(bits(lp2)).toEqual(bits(lp));
      expect(bits(gradZ2)).toEqual(bits(gradZ));
      expect(bits(head.logSigma!.grad)).toEqual(bits(ref.logSigma!.grad));
      // the same z as distinct values and an index
      const values = Float64Array.from([...z].reverse());
      const index = Int32Array.from({ length: N }, (_, i) => N - 1 - i);
      const head3 = make();
      head3.logSigma!.grad[0] = 0.125;
      const lp3 = new Float64Array(N);
      const gradZ3 = new Float64Array(N);
      const got3 = ppoGaussianEpoch(head3, values, actions, old, adv, N, 0.3, lp3, gradZ3, index);
      expect(bits([got3, ...lp3, ...gradZ3, ...head3.logSigma!.grad])).toEqual(
        bits([want, ...lp, ...gradZ, ...ref.logSigma!.grad]),
      );
    });

  it("refuses a head it does not cover with one line", () => {
    const head = new GaussianHead({ sigma: { kind: "state", map: "exp" } });
    const a = new Float64Array(4);
    expect(() => ppoGaussianEpoch(head, a, a, a, a, 2, 0.2, a, a)).toThrow(/scalar σ and μ = z/);
  });
});
