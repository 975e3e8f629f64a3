import { describe, expect, it } from "vitest";
import { DqnAgent } from "../../src/dqn/agent.js";
import type { DqnConfig } from "../../src/dqn/config.js";
import { categoricalFisherGradients, gaussianFisherGradients } from "../../src/dqn/fisher.js";
import { DuelingHead } from "../../src/dqn/heads.js";
import { minatarQNetwork, mlpQNetwork, type HiddenLayerSpec } from "../../src/dqn/networks.js";
import { trainDqn, type DqnTrainState } from "../../src/dqn/train.js";
import type { Env } from "../../src/envs/env.js";
import { makeEnv } from "../../src/envs/registry.js";
import { Kfac } from "../../src/nn/kfac.js";
import { Rng } from "../../src/random/rng.js";

/** Central finite difference of f at x[i]. */
function fd(f: () => number, x: Float64Array, i: number, h = 1e-6): number {
  const x0 = x[i];
  x[i] = x0 + h;
  const up = f();
  x[i] = x0 - h;
  const down = f();
  x[i] = x0;
  return (up - down) / (2 * h);
}

describe("sampled Fisher losses of the Q-network (docs/kfac.md §10)", () => {
  it("Gaussian: the gradient of −(1/B) Σ log N(ỹ; Q(s, a), 1) at ỹ = Q + ε matches finite differences", () => {
    const rng = new Rng(4);
    const B = 3;
    const A = 4;
    const q = rng.fillNormal(new Float64Array(B * A));
    const actions = Int32Array.from([2, 0, 3]);
    const noise = rng.fillNormal(new Float64Array(B));
    // The draws ỹ are fixed numbers; only Q moves.
    const draws = Array.from({ length: B }, (_, i) => q[i * A + actions[i]] + noise[i]);
    const loss = () => {
      let l = 0;
      for (let i = 0; i < B; i++) l += 0.5 * (draws[i] - q[i * A + actions[i]]) ** 2;
      return l / B;
    };
    const g = gaussianFisherGradients(actions, noise, B, A, new Float64Array(B * A).fill(7));
    for (let i = 0; i < B * A; i++) expect(g[i]).toBeCloseTo(fd(loss, q, i), 8);
  });

  it("categorical: the gradient of −(1/B) Σ log softmax(z(s, a))_j at the drawn atom matches finite differences", () => {
    const rng = new Rng(5);
    const B = 2;
    const A = 3;
    const N = 5;
    const z = rng.fillNormal(new Float64Array(B * A * N));
    const actions = Int32Array.from([1, 2]);
    const u = Float64Array.from([0.1, 0.93]);
    const out = categoricalFisherGradients(z, actions, u, B, A, N, new Float64Array(B * A * N));
    // The drawn atom: where the gradient is negative (p_j − 1 < 0).
    const atoms = actions.map((a, i) => {
      const o = (i * A + a) * N;
      return Array.from(out.subarray(o, o + N)).findIndex((v) => v < 0);
    });
    expect(atoms[0]).toBeGreaterThanOrEqual(0);
    const loss = () => {
      let l = 0;
      for (let i = 0; i < B; i++) {
        const o = (i * A + actions[i]) * N;
        let lse = -Infinity;
        for (let k = 0; k < N; k++) lse = Math.max(lse, z[o + k]);
        let s = 0;
        for (let k = 0; k < N; k++) s += Math.exp(z[o + k] - lse);
        l -= z[o + atoms[i]] - (lse + Math.log(s));
      }
      return l / B;
    };
    for (let i = 0; i < B * A * N; i++) expect(out[i]).toBeCloseTo(fd(loss, z, i), 8);
    // The draw inverts the CDF: u = 0.1 picks the first atom whose cumulative mass passes 0.1.
    const o = actions[0] * N;
    let max = -Infinity;
    for (let k = 0; k < N; k++) max = Math.max(max, z[o + k]);
    const p = Array.from({ length: N }, (_, k) => Math.exp(z[o + k] - max));
    const sum = p.reduce((a, b) => a + b, 0);
    let acc = 0;
    let j = 0;
    while (acc + p[j] / sum <= 0.1) acc += p[j++] / sum;
    expect(atoms[0]).toBe(j);
  });
});

describe("DuelingHead as two Kronecker blocks", () => {
  it("Σ_rows g aᵀ of each stream's statistics equals the head's parameter gradients", () => {
    const rng = new Rng(6);
    const head = new DuelingHead({ inFeatures: 5, numActions: 3, atoms: 2, rng });
    const B = 4;
    const x = rng.fillNormal(new Float64Array(B * 5));
    const r = rng.fillNormal(new Float64Array(B * 6));
    for (const p of head.parameters) p.grad.fill(0);
    head.forward(x, B);
    head.backward(r, B);
    const stats = head.kroneckerStatistics(B);
    expect(stats.map((s) => s.weight.name)).toEqual(head.kroneckerBlocks().map((b) => b.weight.name));
    expect(stats).toHaveLength(2);
    for (const s of stats) {
      const w = new Float64Array(s.inDim * s.outDim);
      const b = new Float64Array(s.outDim);
      for (let row = 0; row < s.rows; row++)
        for (let o = 0; o < s.outDim; o++) {
          const g = s.outputGrads[row * s.outDim + o];
          b[o] += g;
          for (let i = 0; i < s.inDim; i++) w[o * s.inDim + i] += g * s.activations[row * s.inDim + i];
        }
      for (let k = 0; k < w.length; k++) expect(w[k]).toBeCloseTo(s.weight.grad[k], 12);
      for (let k = 0; k < b.length; k++) expect(b[k]).toBeCloseTo(s.bias!.grad[k], 12);
    }
  });
});

const KFAC = { kind: "kfac" as const, lr: 0.1 };

describe("K-FAC DQN agent", () => {
  const cases: [string, HiddenLayerSpec, boolean, number][] = [
    ["dense, plain Q", { kind: "dense" }, false, 1],
    ["low-rank, dueling", { kind: "lowrank", parameterFraction: 0.2 }, true, 1],
    ["TRL, plain Q", { kind: "trl", parameterFraction: 0.2 }, false, 1],
    ["TRL, dueling C51", { kind: "trl", parameterFraction: 0.1 }, true, 5],
  ];
  it.each(cases)(
    "preconditions every parameter of the MinAtar network (%s) and takes finite steps",
    (_, hiddenLayer, dueling, atoms) => {
      const netRng = new Rng(2);
      const agent = new DqnAgent({
        makeNetwork: () =>
          minatarQNetwork({
            numActions: 6,
            rng: netRng,
            hiddenLayer,
            convChannels: 4,
            hiddenUnits: 32,
            head: { dueling, atoms },
          }),
        observationDtype: "uint8",
        config: {
          optimizer: KFAC,
          batchSize: 8,
          bufferSize: 100,
          learningStarts: 0,
          ...(atoms > 1 ? { distributional: { atoms, vMin: -1, vMax: 1 } } : {}),
        },
      });
      const kfac = agent.optimizer as Kfac;
      expect(kfac).toBeInstanceOf(Kfac);
      const covered = new Set(kfac.kroneckerBlocks.flatMap((b) => [b.weight, b.bias]));
      for (const p of agent.parameters) expect(covered.has(p), p.name).toBe(true);
      const rng = new Rng(3);
      const obs = new Float64Array(400);
      for (let t = 0; t < 20; t++) {
        const next = obs.map(() => (rng.uniform() < 0.1 ? 1 : 0));
        agent.observe(obs, rng.integer(6), rng.uniform(), next, false, false);
        obs.set(next);
      }
      const before = agent.parameters.map((p) => Float64Array.from(p.data));
      for (let k = 0; k < 3; k++) agent.update(rng);
      expect(kfac.stepCount).toBe(3);
      agent.parameters.forEach((p, q) => {
        for (const v of p.data) expect(Number.isFinite(v)).toBe(true);
        // Every parameter moved (the head and every factor are preconditioned, none is frozen).
        expect(
          p.data.some((v, i) => v !== before[q][i]),
          p.name,
        ).toBe(true);
        // Gradients are zero between updates, as with Adam and RMSProp.
        expect(
          p.grad.every((g) => g === 0),
          p.name,
        ).toBe(true);
      });
    },
  );

  it("refuses a CP conv in one line (K-FAC has no block for it)", () => {
    const make = () =>
      new DqnAgent({
        makeNetwork: () =>
          minatarQNetwork({ numActions: 6, rng: new Rng(1), conv: { kind: "cp", parameterFraction: 0.5 } }),
        config: { optimizer: KFAC },
      });
    expect(make).toThrow(/^K-FAC has no Kronecker block for conv\.[^\n]*use a dense conv/);
  });

  it("refuses bad K-FAC settings naming the config field and its range", () => {
    const make = (optimizer: DqnConfig["optimizer"]) => () =>
      new DqnAgent({
        makeNetwork: () => mlpQNetwork({ observationSize: 4, numActions: 2, hidden: [8], rng: new Rng(1) }),
        config: { optimizer },
      });
    expect(make({ ...KFAC, damping: 0 })).toThrow(
      "DqnConfig.optimizer.damping must be a finite number > 0, got 0",
    );
    expect(make({ ...KFAC, momentum: 1 })).toThrow("DqnConfig.optimizer.momentum must be in [0, 1), got 1");
    expect(make({ ...KFAC, inverseEvery: 2.5 })).toThrow(
      "DqnConfig.optimizer.inverseEvery must be an integer >= 1, got 2.5",
    );
    expect(make({ ...KFAC, lr: -1 })).toThrow("DqnConfig.optimizer.lr must be a finite number > 0, got -1");
  });

  it("learn() without the run's Rng is refused (the sampled Fisher draws from it)", () => {
    const agent = new DqnAgent({
      makeNetwork: () => mlpQNetwork({ observationSize: 4, numActions: 2, hidden: [8], rng: new Rng(1) }),
      config: { optimizer: KFAC, batchSize: 2, learningStarts: 0 },
    });
    for (let t = 0; t < 4; t++) agent.observe([0, 0, 0, t], t % 2, 1, [0, 0, 0, t + 1], false, false);
    const batch = agent.buffer.sample(2, new Rng(1), 1, 0.99);
    expect(() => agent.learn(batch)).toThrow(/needs the run's Rng/);
  });
});

/**
 * CartPole-v1 with the learning test's hyperparameters (test/dqn/learning-cartpole.test.ts: MLP
 * 64-64, Double DQN, batch 64, Polyak 0.005, Huber, clip 10, ε 1 → 0.05 over 10k frames after
 * 1000 random frames); 20 greedy evaluation episodes every 500 frames, stop at a mean ≥ 195.
 */
const CARTPOLE: Partial<DqnConfig> = {
  batchSize: 64,
  bufferSize: 50_000,
  learningStarts: 1000,
  trainFrequency: 1,
  targetUpdateInterval: 1,
  tau: 0.005,
  doubleDqn: true,
  epsilonStart: 1,
  epsilonEnd: 0.05,
  epsilonDecayFrames: 10_000,
  maxGradNorm: 10,
  loss: "huber",
};
const EVAL_SEEDS = Array.from({ length: 20 }, (_, i) => 1000 + i);

function solveCartPole(optimizer: DqnConfig["optimizer"], budget: number): { updates: number; best: number } {
  const rng = new Rng(1);
  const netRng = rng.fork();
  const agent = new DqnAgent({
    makeNetwork: () => mlpQNetwork({ observationSize: 4, numActions: 2, hidden: [64, 64], rng: netRng }),
    config: { ...CARTPOLE, optimizer },
  });
  const r = trainDqn({
    env: makeEnv("CartPole-v1", { rng: rng.fork() }) as Env<unknown, number>,
    agent,
    totalFrames: budget,
    rng,
    envSeed: 1,
    evaluation: {
      env: makeEnv("CartPole-v1") as Env<unknown, number>,
      seeds: EVAL_SEEDS,
      epsilon: 0,
      interval: 500,
      stopWhen: (e) => e.mean >= 195,
    },
  });
  const solved = r.evaluations.find((e) => e.mean >= 195);
  return {
    updates: solved ? solved.frame - CARTPOLE.learningStarts! : -1,
    best: Math.max(...r.evaluations.map((e) => e.mean)),
  };
}

describe("K-FAC DQN learns CartPole-v1 (seed 1)", () => {
  it("K-FAC (η 0.1, KL clip 0.001) reaches a 20-episode greedy mean ≥ 195 in fewer updates than Adam (lr 1e-3), same seed and settings", () => {
    const kfac = solveCartPole({ kind: "kfac", lr: 0.1, klClip: 0.001 }, 4000);
    expect(kfac.best).toBeGreaterThanOrEqual(195);
    expect(kfac.updates).toBeGreaterThan(0);
    expect(kfac.updates).toBeLessThanOrEqual(1500);
    const adam = solveCartPole({ kind: "adam", lr: 1e-3 }, 1000 + kfac.updates + 500);
    // Adam has not reached 195 by the frame K-FAC did (nor one evaluation later).
    expect(adam.updates === -1 || adam.updates > kfac.updates).toBe(true);
  }, 120_000);
});

describe("K-FAC DQN checkpoints", () => {
  const TOTAL = 900;
  const CUT = 500;
  const agentFor = () =>
    new DqnAgent({
      makeNetwork: () =>
        mlpQNetwork({
          observationSize: 4,
          numActions: 2,
          hidden: [16, 16],
          hiddenLayer: { kind: "lowrank", rank: 4 },
          head: { dueling: true },
          rng: new Rng(3),
        }),
      config: {
        optimizer: { kind: "kfac", lr: 0.1, momentum: 0.5, inverseEvery: 3 },
        bufferSize: 500,
        batchSize: 16,
        learningStarts: 100,
        targetUpdateInterval: 50,
        epsilonDecayFrames: 400,
      },
    });
  const run = (resume?: DqnTrainState, save?: (s: DqnTrainState) => void) => {
    const agent = agentFor();
    const res = trainDqn({
      env: makeEnv("CartPole-v1", { rng: new Rng(11) }) as Env<unknown, number>,
      agent,
      totalFrames: TOTAL,
      rng: new Rng(5),
      envSeed: 9,
      resume,
      checkpoint: save ? { everyFrames: CUT, save } : undefined,
    });
    return { res, agent };
  };

  it("a run resumed from a checkpoint (factors, inverses, step, momentum, generator) is bit-identical to an uninterrupted one", () => {
    let saved: DqnTrainState | null = null;
    const full = run(undefined, (s) => (saved ??= s));
    expect(saved).not.toBeNull();
    const state = saved!;
    const opt = state.agent.optimizer;
    expect(opt.kind).toBe("kfac");
    expect(opt.step).toBe(CUT - 100);
    // Factors and inverses of every block travel with the checkpoint (JSON-safe number arrays).
    const keys = Object.keys(opt.buffers).filter((k) => k.startsWith("kfac:"));
    expect(keys.length).toBe((full.agent.optimizer as Kfac).kroneckerBlocks.length);
    const revived = JSON.parse(JSON.stringify(opt)) as typeof opt;
    const resumed = run({ ...state, agent: { ...state.agent, optimizer: revived } });
    expect(resumed.res.frames).toBe(TOTAL);
    expect(resumed.agent.updates).toBe(full.agent.updates);
    full.agent.parameters.forEach((p, q) =>
      expect(Array.from(resumed.agent.parameters[q].data)).toEqual(Array.from(p.data)),
    );
    expect(resumed.agent.optimizer.getState()).toEqual(full.agent.optimizer.getState());
  });
});
