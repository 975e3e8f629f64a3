import { describe, expect, it, vi } from "vitest";
import fc from "fast-check";
import { NnGaussianAgent } from "../../src/baselines/gaussian-nn-agent.js";
import { makeEpisode } from "../../src/pg/episode-buffer.js";
import { Rng } from "../../src/random/rng.js";
import { jitter, worstGradientError } from "../lrpg/gradient-check.js";

const ACTOR = ["mu.0.weight", "mu.0.bias", "mu.2.weight", "mu.2.bias", "log_sigma"];
const CRITIC = ["value.0.weight", "value.0.bias", "value.2.weight", "value.2.bias"];

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
    expect(a.parameterCount).toEqual({ actor: 2049, critic: 2049, sigma: 1, total: 4098, trained: 4099 });
    expect(
      () => new NnGaussianAgent({ stateDim: 2, hidden: 0, lrActor: 1e-3, lrCritic: 1e-3, gamma: 0.99 }),
    ).toThrow(/hidden must be an integer >= 1, got 0/);
    expect(() => a.act([1, NaN], new Rng(1))).toThrow(/state\[1\] is NaN/);
    expect(() => a.act([Infinity, 0], new Rng(1))).toThrow(
      /state\[0\] is Infinity \(expected a finite number\)/,
    );
    expect(() => a.learn({ states: [[0, -Infinity]], actions: [0], rewards: [1] })).toThrow(
      /states\[1\] is -Infinity/,
    );
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
