import { describe, expect, it } from "vitest";
import { makeEnv } from "../../src/envs/registry.js";
import { Discretizer } from "../../src/parametrizations/discretizer.js";
import { Rng } from "../../src/random/rng.js";
import { TdAgent } from "../../src/valuelearning/agent.js";
import { CellActionLowRank } from "../../src/valuelearning/cell-action-low-rank.js";
import { evaluateGreedy, runTdEpisode } from "../../src/valuelearning/train.js";

/**
 * Fixed-seed learning test: low-rank Q-learning (Q = L Rᵀ over 3×3×8×8 cells × 2 actions, rank 4,
 * 2 312 parameters) on CartPole-v1 for 80 000 env steps (about 3 s), then the greedy policy over
 * 100 evaluation episodes must reach CartPole-v1's solved threshold, a mean return of 475.
 */
describe("low-rank Q-learning learns CartPole-v1", () => {
  it("reaches a mean greedy return >= 475 over 100 episodes after 80k steps (seed 0)", () => {
    const rng = new Rng(0);
    const grid = new Discretizer({
      low: [-2.4, -3, -0.21, -3],
      high: [2.4, 3, 0.21, 3],
      buckets: [3, 3, 8, 8],
      rowDims: [0, 1],
      colDims: [2, 3],
    });
    const q = new CellActionLowRank(grid, 2, 4);
    q.initRandom(rng, 0.1);
    const agent = new TdAgent({
      q,
      rule: "q-learning",
      gamma: 0.99,
      lr: 0.01,
      epsilon: { start: 1, end: 0.01, decaySteps: 40_000 },
    });
    const env = makeEnv("CartPole-v1", { rng: rng.fork() });
    const total = 80_000;
    let step = 0;
    while (step < total)
      step += runTdEpisode(env, agent, rng, { globalStep: step, maxSteps: total - step }).length;
    const seeds = Array.from({ length: 100 }, (_, i) => 1000 + i);
    const e = evaluateGreedy(agent, makeEnv("CartPole-v1"), seeds, 500);
    expect(e.mean).toBeGreaterThanOrEqual(475);
  }, 60_000);
});
