import { describe, expect, it, vi } from "vitest";
import fc from "fast-check";
import { NnGaussianAgent } from "../../src/baselines/gaussian-nn-agent.js";
import { ScalarMlp } from "../../src/parametrizations/mlp.js";
import { makeEpisode } from "../../src/pg/episode-buffer.js";
import { Rng } from "../../src/random/rng.js";
import { jitter, worstGradientError } from "../lrpg/gradient-check.js";

const ACTOR = ["mu.0.weight", "mu.0.bias", "mu.2.weight", "mu.2.bias", "log_sigma"];
const CRITIC = ["value.0.weight", "value.0.bias", "value.2.weight", "value.2.bias"];

describe("ScalarMlp", () => {
  it("batched forward equals single forward; backward matches central differences (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 0, max: 1e6 }),
        (S, Hd, T, seed) => {
          const rng = new Rng(seed);
          const net = new ScalarMlp(S, Hd, "f");
          net.initTorchDefault(rng);
          const x = rng.fillNormal(new Float64Array(T * S));
          const g = rng.fillNormal(new Float64Array(T));
          const y = new Float64Array(T);
          net.forwardBatch(x, T, y);
          for (let t = 0; t < T; t++) if (Math.abs(y[t] - net.forward(x, t * S)) > 1e-14) return false;
          for (const p of net.parameters) p.grad.fill(0);
          net.backwardBatch(g);
          // J = Σ_t g_t y_t
          const J = () => {
            let s = 0;
            for (let t = 0; t < T; t++) s += g[t] * net.forward(x, t * S);
            return s;
          };
          const h = 1e-6;
          for (const p of net.parameters) {
            for (let i = 0; i < p.data.length; i++) {
              const v = p.data[i];
              p.data[i] = v + h;
              const jp = J();
              p.data[i] = v - h;
              const jm = J();
              p.data[i] = v;
              const num = (jp - jm) / (2 * h);
              if (Math.abs(num - p.grad[i]) > 1e-6 * (1 + Math.abs(num))) return false;
            }
          }
          return true;
        },
      ),
      { seed: 31, numRuns: 60 },
    );
  });

  it("PyTorch default init bounds: U(±1/√fan_in) for weights and biases", () => {
    const net = new ScalarMlp(4, 300, "m");
    net.initTorchDefault(new Rng(3));
    const inRange = (d: Float64Array, b: number) => d.every((v) => Math.abs(v) <= b);
    expect(inRange(net.w1.data, 0.5) && inRange(net.b1.data, 0.5)).toBe(true);
    expect(inRange(net.w2.data, 1 / Math.sqrt(300)) && inRange(net.b2.data, 1 / Math.sqrt(300))).toBe(true);
    expect(Math.max(...net.w1.data)).toBeGreaterThan(0.45);
  });

  it("S = 2 fast paths equal the branching ReLU bit for bit, also with huge or infinite pre-activations", () => {
    // Reference: skip every unit with u ≤ 0 (or NaN), accumulate w₂·u over h in order, then add b₂.
    const reference = (net: ScalarMlp, x0: number, x1: number): number => {
      const W1 = net.w1.data;
      let y = 0;
      for (let h = 0; h < net.hidden; h++) {
        const u = W1[2 * h] * x0 + W1[2 * h + 1] * x1 + net.b1.data[h];
        if (u > 0) y += net.w2.data[h] * u;
      }
      return y + net.b2.data[0];
    };
    const rng = new Rng(5);
    for (const H of [1, 3, 4, 7, 64]) {
      for (const special of [null, -Infinity, Infinity, 1e308, -1e308]) {
        const net = new ScalarMlp(2, H, "f");
        net.initTorchDefault(rng);
        if (special !== null) net.b1.data[H - 1] = special;
        const T = 9;
        const x = rng.fillNormal(new Float64Array(2 * T));
        const y = new Float64Array(T);
        net.forwardBatch(x, T, y);
        for (let t = 0; t < T; t++) {
          const want = reference(net, x[2 * t], x[2 * t + 1]);
          expect(Object.is(net.forward(x, 2 * t), want)).toBe(true);
          expect(Object.is(y[t], want)).toBe(true);
        }
      }
    }
  });
});

describe("NnGaussianAgent", () => {
  it("learn's gradients (μ-net, log σ, V-net, optional sigmoid) match central differences (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 8 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 1e6 }),
        (S, Hd, T, squash, seed) => {
          const agent = new NnGaussianAgent({
            stateDim: S,
            hidden: Hd,
            lrActor: 1e-3,
            lrCritic: 1e-3,
            gamma: 0.95,
            sigmoidMean: squash,
            seed,
          });
          const rng = new Rng(seed + 1);
          const states = Array.from({ length: T }, () => Array.from({ length: S }, () => rng.normal()));
          const actions = Array.from({ length: T }, () => (squash ? rng.uniform() : 2 * rng.normal()));
          const rewards = Array.from({ length: T }, () => rng.normal());
          const dict = jitter(agent.exportStateDict(), rng, 0.05);
          return (
            worstGradientError(agent, dict, makeEpisode({ states, actions, rewards }), ACTOR, CRITIC) < 1e-6
          );
        },
      ),
      { seed: 32, numRuns: 30 },
    );
  });

  it("counts parameters as the paper (σ excluded) and validates input", () => {
    const a = new NnGaussianAgent({ stateDim: 2, hidden: 512, lrActor: 1e-3, lrCritic: 1e-3, gamma: 0.99 });
    expect(a.parameterCount).toEqual({ actor: 2049, critic: 2049, sigma: 1, total: 4098 });
    expect(
      () => new NnGaussianAgent({ stateDim: 2, hidden: 0, lrActor: 1e-3, lrCritic: 1e-3, gamma: 0.99 }),
    ).toThrow(/hidden must be an integer >= 1, got 0/);
    expect(() => a.act([1, NaN], new Rng(1))).toThrow(/state\[1\] is NaN/);
    expect(() => a.value([1])).toThrow(/state must have 2 entries, got 1/);
    expect(() => a.importStateDict({ ...a.exportStateDict(), "mu.0.bias": [1, 2] })).toThrow(
      /"mu.0.bias" has the wrong shape \(got \[2\]\); expected a tensor of shape \[512\]/,
    );
  });

  it("learn reuses act's μ outputs only when they are exactly the episode's, with bit-identical results", () => {
    const make = () =>
      new NnGaussianAgent({ stateDim: 2, hidden: 16, lrActor: 1e-2, lrCritic: 1e-2, gamma: 0.9, seed: 4 });
    const rng = new Rng(9);
    const T = 12;
    const episode = makeEpisode({
      states: rng.fillNormal(new Float64Array(2 * T)),
      actions: rng.fillNormal(new Float64Array(T)),
      rewards: rng.fillNormal(new Float64Array(T)),
    });
    const plain = make();
    const plainLoss = plain.learn(episode);
    // (a) acted on exactly these states: no μ forward pass in learn.
    const acted = make();
    const actRng = new Rng(1);
    acted.act([3, 3], actRng); // an earlier act outside the episode is ignored
    for (let t = 0; t < T; t++) acted.act(episode.states.subarray(2 * t, 2 * t + 2), actRng);
    const spy = vi.spyOn(acted.muNet, "forwardBatch");
    expect(acted.learn(episode)).toEqual(plainLoss);
    expect(spy).not.toHaveBeenCalled();
    expect(acted.exportStateDict()).toEqual(plain.exportStateDict());
    // (b) parameters changed after acting: recomputed.
    const moved = make();
    for (let t = 0; t < T; t++) moved.act(episode.states.subarray(2 * t, 2 * t + 2), actRng);
    moved.muNet.w1.data[0] += 0.5;
    const reference = make();
    reference.muNet.w1.data[0] += 0.5;
    const spy2 = vi.spyOn(moved.muNet, "forwardBatch");
    expect(moved.learn(episode)).toEqual(reference.learn(episode));
    expect(spy2).toHaveBeenCalled();
    expect(moved.exportStateDict()).toEqual(reference.exportStateDict());
    // (c) a state differs (−0 vs +0 counts): recomputed.
    const other = make();
    const states2 = Float64Array.from(episode.states);
    states2[0] = 0;
    for (let t = 0; t < T; t++)
      other.act(t === 0 ? [-0, states2[1]] : states2.subarray(2 * t, 2 * t + 2), actRng);
    const spy3 = vi.spyOn(other.muNet, "forwardBatch");
    other.learn({ ...episode, states: states2 });
    expect(spy3).toHaveBeenCalled();
  });
});
