import { describe, expect, it } from "vitest";
import {
  a2cLoss,
  computeGae,
  fisherLossGradients,
  minatarActorCritic,
  mlpActorCritic,
  type ActorCriticNetwork,
} from "../../src/actorcritic/index.js";
import { Rng } from "../../src/random/rng.js";

describe("computeGae", () => {
  // Two envs, three steps. Env 0: a terminated episode at t = 1, then a new one. Env 1: truncated at t = 0.
  const T = 3;
  const E = 2;
  const gamma = 0.9;
  const rewards = Float64Array.from([1, 2, 0.5, 0.25, 3, -1]);
  const values = Float64Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]);
  const bootstrap = Float64Array.from([0.7, 0.8]);
  const ended = Uint8Array.from([0, 1, 1, 0, 0, 0]);

  it("λ = 1: discounted rewards to the rollout's end or the episode's, plus the bootstrap, minus V", () => {
    const adv = new Float64Array(6);
    const ret = new Float64Array(6);
    computeGae(rewards, values, bootstrap, ended, T, E, gamma, 1, adv, ret);
    // Env 0 (indices 0, 2, 4): t=2 → 3 + 0.9·0.7; t=1 terminated → 0.5; t=0 → 1 + 0.9·0.5.
    expect(ret[4]).toBeCloseTo(3 + 0.9 * 0.7, 14);
    expect(ret[2]).toBeCloseTo(0.5, 14);
    expect(ret[0]).toBeCloseTo(1 + 0.9 * 0.5, 14);
    // Env 1 (indices 1, 3, 5): t=2 → −1 + 0.9·0.8; t=1 → 0.25 + 0.9·R₂; t=0 ended (truncated: its
    // bootstrap is already in the reward, and s₁ is the next episode's first state) → 2.
    expect(ret[5]).toBeCloseTo(-1 + 0.9 * 0.8, 14);
    expect(ret[3]).toBeCloseTo(0.25 + 0.9 * ret[5], 14);
    expect(ret[1]).toBeCloseTo(2, 14);
    for (let i = 0; i < 6; i++) expect(adv[i]).toBeCloseTo(ret[i] - values[i], 14);
  });

  it("λ = 0: the one-step TD error", () => {
    const adv = new Float64Array(6);
    const ret = new Float64Array(6);
    computeGae(rewards, values, bootstrap, ended, T, E, gamma, 0, adv, ret);
    expect(adv[0]).toBeCloseTo(1 + 0.9 * 0.3 - 0.1, 14);
    expect(adv[2]).toBeCloseTo(0.5 - 0.3, 14);
    expect(adv[5]).toBeCloseTo(-1 + 0.9 * 0.8 - 0.6, 14);
  });

  it("intermediate λ: Â_t = δ_t + γλ Â_{t+1} inside an episode", () => {
    const adv = new Float64Array(6);
    const ret = new Float64Array(6);
    computeGae(rewards, values, bootstrap, ended, T, E, gamma, 0.8, adv, ret);
    const d5 = -1 + 0.9 * 0.8 - 0.6;
    const d3 = 0.25 + 0.9 * 0.6 - 0.4;
    expect(adv[5]).toBeCloseTo(d5, 14);
    expect(adv[3]).toBeCloseTo(d3 + 0.9 * 0.8 * d5, 14);
    expect(adv[1]).toBeCloseTo(2 - 0.2, 14); // the episode ended at t = 0: nothing from the next one
  });
});

/** J(θ) of the A2C loss through the network, and its analytic gradient. */
function lossThroughNetwork(net: ActorCriticNetwork, seed: number, batch: number) {
  const rng = new Rng(seed);
  const A = net.numActions;
  const obs = new Float64Array(batch * net.observationSize);
  for (let i = 0; i < obs.length; i++) obs[i] = rng.uniform() < 0.3 ? 1 : rng.normal() * 0.1;
  const actions = Int32Array.from({ length: batch }, () => rng.integer(A));
  const advantages = rng.fillNormal(new Float64Array(batch));
  const returns = rng.fillNormal(new Float64Array(batch));
  const gL = new Float64Array(batch * A);
  const gV = new Float64Array(batch);
  const J = (): number => {
    const { logits, values } = net.forward(obs, batch);
    return a2cLoss(logits, values, actions, advantages, returns, batch, A, 0.5, 0.05, gL, gV).total;
  };
  return { J, obs, actions, advantages, returns, gL, gV };
}

function worstRelativeError(net: ActorCriticNetwork, seed: number): number {
  const batch = 3;
  const { J, obs, gL, gV } = lossThroughNetwork(net, seed, batch);
  J();
  net.zeroGrad();
  net.backward(gL, gV, batch);
  expect(obs.length).toBeGreaterThan(0);
  let worst = 0;
  const eps = 1e-6;
  for (const p of net.parameters) {
    const g = Float64Array.from(p.grad);
    // Every entry of small parameters, a spread of entries of large ones.
    const stride = Math.max(1, Math.floor(p.data.length / 40));
    for (let i = 0; i < p.data.length; i += stride) {
      const v = p.data[i];
      p.data[i] = v + eps;
      const up = J();
      p.data[i] = v - eps;
      const down = J();
      p.data[i] = v;
      const num = (up - down) / (2 * eps);
      worst = Math.max(worst, Math.abs(g[i] - num) / (1e-6 + Math.abs(num) + Math.abs(g[i])));
    }
  }
  return worst;
}

describe("A2C loss: finite differences through the layers", () => {
  it("logit and value gradients of the policy, value and entropy terms", () => {
    const rng = new Rng(5);
    const N = 4;
    const A = 3;
    const logits = rng.fillNormal(new Float64Array(N * A));
    const values = rng.fillNormal(new Float64Array(N));
    const actions = Int32Array.from([0, 2, 1, 2]);
    const adv = rng.fillNormal(new Float64Array(N));
    const ret = rng.fillNormal(new Float64Array(N));
    const gL = new Float64Array(N * A);
    const gV = new Float64Array(N);
    for (const [cv, ce] of [
      [0, 0],
      [1, 0],
      [0, 1],
      [0.5, 0.01],
    ]) {
      a2cLoss(logits, values, actions, adv, ret, N, A, cv, ce, gL, gV);
      const aL = Float64Array.from(gL);
      const aV = Float64Array.from(gV);
      const f = (): number => a2cLoss(logits, values, actions, adv, ret, N, A, cv, ce, gL, gV).total;
      for (const [arr, grad] of [
        [logits, aL],
        [values, aV],
      ] as const) {
        for (let i = 0; i < arr.length; i++) {
          const v = arr[i];
          arr[i] = v + 1e-6;
          const up = f();
          arr[i] = v - 1e-6;
          const down = f();
          arr[i] = v;
          expect(grad[i]).toBeCloseTo((up - down) / 2e-6, 8);
        }
      }
    }
  });

  it("entropy term: H = −Σ π log π and the reported means", () => {
    const logits = Float64Array.from([0, Math.log(3)]); // π = (1/4, 3/4)
    const terms = a2cLoss(
      logits,
      Float64Array.from([2]),
      Int32Array.from([1]),
      Float64Array.from([2]),
      Float64Array.from([1]),
      1,
      2,
      0.5,
      0.1,
      new Float64Array(2),
      new Float64Array(1),
    );
    const H = -(0.25 * Math.log(0.25) + 0.75 * Math.log(0.75));
    expect(terms.entropy).toBeCloseTo(H, 14);
    expect(terms.policy).toBeCloseTo(-2 * Math.log(0.75), 14);
    expect(terms.value).toBeCloseTo(0.5, 14);
    expect(terms.total).toBeCloseTo(terms.policy + 0.25 - 0.1 * H, 14);
  });

  for (const [name, make] of [
    [
      "dense MLP",
      () => mlpActorCritic({ observationSize: 4, numActions: 3, hidden: [6, 6], rng: new Rng(1) }),
    ],
    [
      "low-rank MLP",
      () =>
        mlpActorCritic({
          observationSize: 4,
          numActions: 3,
          hidden: [6, 6],
          hiddenLayer: { kind: "lowrank", rank: 2 },
          rng: new Rng(2),
        }),
    ],
    [
      "TRL MLP (6 → 2 × 3 modes)",
      () =>
        mlpActorCritic({
          observationSize: 4,
          numActions: 3,
          hidden: [6, 5],
          hiddenLayer: { kind: "trl", rank: 2 },
          rng: new Rng(3),
        }),
    ],
    [
      "MinAtar conv + TRL",
      () =>
        minatarActorCritic({
          numActions: 3,
          rng: new Rng(4),
          gridSize: 5,
          inChannels: 2,
          convChannels: 3,
          hiddenUnits: 6,
          hiddenLayer: { kind: "trl", rank: 2 },
        }),
    ],
  ] as const) {
    it(`∂J/∂θ of the whole loss through a ${name} matches central differences`, () => {
      expect(worstRelativeError(make(), 7)).toBeLessThan(1e-5);
    });
  }

  it("the Fisher-loss gradients are those of −mean log π(a) and of the unit Gaussian's log-likelihood", () => {
    const logits = Float64Array.from([0, Math.log(3), 1, 1]);
    const gL = new Float64Array(4);
    const gV = new Float64Array(2);
    fisherLossGradients(logits, Int32Array.from([0, 1]), Float64Array.from([0.5, -2]), 2, 2, gL, gV);
    expect(Array.from(gL).map((v) => +v.toFixed(12))).toEqual([
      (0.25 - 1) / 2,
      0.75 / 2,
      0.5 / 2,
      (0.5 - 1) / 2,
    ]);
    expect(Array.from(gV)).toEqual([-0.25, 1]);
  });
});
