import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { SoftmaxLrpgAgent } from "../../src/lrpg/softmax-lrpg-agent.js";
import { makeEpisode } from "../../src/pg/episode-buffer.js";
import { Rng } from "../../src/random/rng.js";
import { jitter, worstGradientError } from "./gradient-check.js";

function build(n: number, rank: number, buckets: number[], seed: number) {
  return new SoftmaxLrpgAgent({
    actorGrid: { low: [-1, -1, -1], high: [1, 1, 1], buckets, rowDims: [0, 2], colDims: [1] },
    criticGrid: { low: [-1, -1, -1], high: [1, 1, 1], buckets: 2, rowDims: [1], colDims: [0, 2] },
    actionCount: n,
    rank,
    lrActor: 0.05,
    lrCritic: 0.1,
    gamma: 0.9,
    seed,
    actorInitScale: 0.7,
  });
}

describe("SoftmaxLrpgAgent", () => {
  it("logit-factor and critic gradients match central differences (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 3, maxLength: 3 }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 0, max: 1e6 }),
        (n, rank, buckets, T, seed) => {
          const agent = build(n, rank, buckets, seed);
          const rng = new Rng(seed + 1);
          const states = Array.from({ length: T }, () => [
            rng.uniformRange(-1, 1),
            rng.uniformRange(-1, 1),
            rng.uniformRange(-1, 1),
          ]);
          const actions = Array.from({ length: T }, () => rng.integer(n));
          const rewards = Array.from({ length: T }, () => rng.normal());
          const dict = jitter(agent.exportStateDict(), rng, 0.1);
          return (
            worstGradientError(
              agent,
              dict,
              makeEpisode({ states, actions, rewards }),
              ["pi.L", "pi.R"],
              ["value.L", "value.R"],
            ) < 1e-6
          );
        },
      ),
      { seed: 41, numRuns: 30 },
    );
  });

  it("π sums to 1, act samples it, logits laid out as column j·n + a", () => {
    const agent = build(3, 2, [2, 3, 2], 5);
    const s = [0.3, -0.2, 0.9];
    const p = agent.probabilities(s);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
    const counts = [0, 0, 0];
    const rng = new Rng(2);
    for (let i = 0; i < 30000; i++) counts[agent.act(s, rng)]++;
    counts.forEach((c, a) => expect(Math.abs(c / 30000 - p[a])).toBeLessThan(0.015));
    expect(agent.actDeterministic(s)).toBe(p.indexOf(Math.max(...p)));
    // cell of s: rows from dims (0, 2) → 1·2 + 1 = 3; col from dim 1 → idx 1
    const [i, j] = agent.actorGrid.cell(s);
    const logits = [0, 1, 2].map((a) => agent.logits.entry(i, j * 3 + a));
    const z = logits.map((l) => Math.exp(l - Math.max(...logits)));
    z.forEach((e, a) => expect(p[a]).toBeCloseTo(e / z.reduce((x, y) => x + y, 0), 14));
    expect(agent.parameterCount).toEqual({
      actor: 2 * (4 + 9),
      critic: 2 * (2 + 4),
      sigma: 0,
      total: 26 + 12,
      trained: 26 + 12,
    });
  });

  it("rejects bad options and actions", () => {
    expect(() => build(1, 2, [2, 2, 2], 1)).toThrow(/actionCount must be an integer >= 2, got 1/);
    expect(() => build(2, 0, [2, 2, 2], 1)).toThrow(/rank must be an integer >= 1, got 0/);
    const agent = build(2, 1, [2, 2, 2], 1);
    expect(() => agent.learn(makeEpisode({ states: [[0, 0, 0]], actions: [2], rewards: [1] }))).toThrow(
      /actions\[0\] must be an integer in \[0, 1\], got 2/,
    );
    expect(() => agent.act([0, NaN, 0], new Rng(1))).toThrow(/state\[1\] is NaN/);
  });
});
