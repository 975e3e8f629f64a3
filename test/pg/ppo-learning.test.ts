import { describe, expect, it } from "vitest";
import { makeEnv } from "../../src/envs/registry.js";
import { GaussianHead } from "../../src/heads/gaussian.js";
import { Adam } from "../../src/optim/adam.js";
import { CpGrid } from "../../src/parametrizations/cp-grid.js";
import { AxisGrid } from "../../src/parametrizations/discretizer.js";
import { GaeActorCritic } from "../../src/pg/actor-critic.js";
import type { TransitionBatch } from "../../src/pg/batch-update.js";
import { trainBatched } from "../../src/pg/batch-update-train.js";
import { Rng } from "../../src/random/rng.js";

/** The pendulum's CP actor (rank 5 on a 10×10×10 grid, σ clamped to [e^−2.5, 1]) and CP critic. */
function cpParts(rng: Rng, lr: number) {
  const grid = new AxisGrid({ low: [-1, -1, -5], high: [1, 1, 5], buckets: 10 });
  const actor = new CpGrid({ grid, rank: 5 });
  actor.initNormal(rng, 0.1);
  const critic = new CpGrid({ grid, rank: 5, name: "value" });
  critic.initNormal(rng, 1);
  const head = new GaussianHead({ sigma: { kind: "scalar", logSigmaInit: 0 }, logSigmaClamp: [-2.5, 0] });
  return {
    actor,
    head,
    critic,
    actorOptimizer: new Adam([...actor.parameters, ...head.parameters], { lr }),
    criticOptimizer: new Adam(critic.parameters, { lr: 1e-2 }),
  };
}

const mean = (a: ArrayLike<number>, from: number, to: number): number => {
  let s = 0;
  for (let i = from; i < to; i++) s += a[i];
  return s / (to - from);
};

describe("PPO with a CP tensor policy learns the pendulum", () => {
  it("fixed seed: the last 25 of 150 episodes (200 steps) average above −700, from ≈ −1 250", () => {
    const rng = new Rng(0);
    const parts = cpParts(rng, 3e-2);
    const rule = new GaeActorCritic(parts, 0.9, { tau: 0.9, epochs: 10, clip: 0.3 });
    const env = makeEnv("Pendulum-v1", { rng: rng.fork() });
    const { returns, updates } = trainBatched({
      env,
      actor: parts.actor,
      head: parts.head,
      rule,
      rng,
      episodes: 150,
      maxSteps: 200,
      episodesPerUpdate: 5,
      envSeed: 0,
    });
    expect(updates).toBe(30);
    expect(mean(returns, 0, 25)).toBeLessThan(-1100);
    expect(mean(returns, 125, 150)).toBeGreaterThan(-700);
  }, 60_000);
});

describe("trainBatched", () => {
  it("hands whole episodes to the rule: clean protocol bootstraps time-limit cuts, reference marks every end terminal", () => {
    for (const protocol of ["clean", "reference"] as const) {
      const rng = new Rng(1);
      const parts = cpParts(rng, 1e-3);
      const seen: { N: number; E: number; terminated: number[]; lp: boolean; final: number[] }[] = [];
      const rule = {
        update(b: TransitionBatch) {
          seen.push({
            N: b.length,
            E: b.episodeCount,
            terminated: Array.from(b.terminated.subarray(0, b.episodeCount)),
            lp: b.logProbs !== null,
            final: Array.from(b.finalStates.subarray(0, 3)),
          });
          return { lossActor: 0, lossCritic: 0 };
        },
      };
      const env = makeEnv("Pendulum-v1", { rng: rng.fork(), maxEpisodeSteps: 7 });
      const res = trainBatched({
        env,
        actor: parts.actor,
        head: parts.head,
        rule,
        rng,
        episodes: 7,
        maxSteps: 7,
        episodesPerUpdate: 3,
        protocol,
        envSeed: 3,
      });
      expect(res.updates).toBe(2); // the 7th episode is left over
      expect(seen.map((s) => [s.N, s.E])).toEqual([
        [21, 3],
        [21, 3],
      ]);
      expect(seen[0].terminated).toEqual(protocol === "clean" ? [0, 0, 0] : [1, 1, 1]);
      expect(seen[0].lp).toBe(true);
      expect(Math.hypot(seen[0].final[0], seen[0].final[1])).toBeCloseTo(1, 6); // [cos θ, sin θ, θ̇]
    }
    const parts = cpParts(new Rng(0), 1e-3);
    const args = { env: makeEnv("Pendulum-v1"), actor: parts.actor, head: parts.head, rng: new Rng(0) };
    const rule = { update: () => ({ lossActor: 0, lossCritic: 0 }) };
    expect(() => trainBatched({ ...args, rule, episodes: 1, maxSteps: 5, episodesPerUpdate: 0 })).toThrow(
      /episodesPerUpdate must be an integer >= 1, got 0/,
    );
  });
});
