import { describe, expect, it } from "vitest";
import { DqnAgent } from "../../src/dqn/agent.js";
import type { DqnConfig } from "../../src/dqn/config.js";
import { mlpQNetwork, type HiddenLayerSpec } from "../../src/dqn/networks.js";
import { trainDqn } from "../../src/dqn/train.js";
import type { Env } from "../../src/envs/env.js";
import { makeEnv } from "../../src/envs/registry.js";
import { Rng } from "../../src/random/rng.js";

/**
 * Learning test: DQN on CartPole-v1 "reaches an average ≥ 195 over 20 episodes within a budget".
 * Protocol: every 1000 frames, 20 greedy evaluation episodes on fixed seeds 1000…1019 (separate
 * env, time limit 500); the run passes when one evaluation averages ≥ 195 within BUDGET frames.
 * Hyperparameters (fixed, seeded): MLP 64-64, Double DQN, Adam 1e-3, batch 64, Polyak τ = 0.005 every
 * update, Huber, grad-norm clip 10, ε 1 → 0.05 over 10k frames after 1000 random frames.
 * (DQN on CartPole is not monotone: later evaluations can drop again; this test checks reaching.)
 */
const BUDGET = 8000;
const CONFIG: Partial<DqnConfig> = {
  batchSize: 64,
  bufferSize: 50_000,
  learningStarts: 1000,
  trainFrequency: 1,
  targetUpdateInterval: 1,
  tau: 0.005,
  doubleDqn: true,
  optimizer: { kind: "adam", lr: 1e-3 },
  epsilonStart: 1,
  epsilonEnd: 0.05,
  epsilonDecayFrames: 10_000,
  maxGradNorm: 10,
  loss: "huber",
};
const EVAL_SEEDS = Array.from({ length: 20 }, (_, i) => 1000 + i);

function learnCartPole(seed: number, hiddenLayer: HiddenLayerSpec): { solvedAt: number; best: number } {
  const rng = new Rng(seed);
  const netRng = rng.fork();
  const agent = new DqnAgent({
    makeNetwork: () =>
      mlpQNetwork({ observationSize: 4, numActions: 2, hidden: [64, 64], hiddenLayer, rng: netRng }),
    config: CONFIG,
  });
  const result = trainDqn({
    env: makeEnv("CartPole-v1", { rng: rng.fork() }) as Env<unknown, number>,
    agent,
    totalFrames: BUDGET,
    rng,
    envSeed: seed,
    evaluation: {
      env: makeEnv("CartPole-v1") as Env<unknown, number>,
      seeds: EVAL_SEEDS,
      epsilon: 0,
      interval: 1000,
      stopWhen: (e) => e.mean >= 195,
    },
  });
  const best = Math.max(...result.evaluations.map((e) => e.mean));
  const solved = result.evaluations.find((e) => e.mean >= 195);
  return { solvedAt: solved ? solved.frame : -1, best };
}

describe("DQN learns CartPole-v1 (seeded)", () => {
  it(`dense MLP reaches a 20-episode greedy average ≥ 195 within ${BUDGET} frames`, () => {
    const r = learnCartPole(1, { kind: "dense" });
    expect(r.best).toBeGreaterThanOrEqual(195);
    expect(r.solvedAt).toBeGreaterThan(0);
  }, 600_000);

  it(`low-rank MLP (64×64 hidden layer at rank 8, ¼ of its weights) reaches ≥ 195 within ${BUDGET} frames`, () => {
    const r = learnCartPole(1, { kind: "lowrank", rank: 8 });
    expect(r.best).toBeGreaterThanOrEqual(195);
    expect(r.solvedAt).toBeGreaterThan(0);
  }, 600_000);
});
