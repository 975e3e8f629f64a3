import { describe, expect, it } from "vitest";
import { DqnAgent } from "../../src/dqn/agent.js";
import { evaluateDqn } from "../../src/dqn/evaluate.js";
import { trainDqn } from "../../src/dqn/train.js";
import type { Env } from "../../src/envs/env.js";
import { MinAtarBreakout } from "../../src/envs/minatar-breakout.js";
import { makeEnv } from "../../src/envs/registry.js";
import { Rng } from "../../src/random/rng.js";
import { dqnAgentConfig, parseDqnRunConfig, type DqnRunConfig } from "../../src/runner/dqn-config.js";
import { DQN_ENV_SPECS } from "../../src/runner/dqn-envs.js";

/** The agent of a `--preset rainbow-denoised` run, built as the runner builds it (same draws). */
function presetAgent(raw: Record<string, unknown>): {
  agent: DqnAgent;
  config: DqnRunConfig;
  rng: Rng;
  envRng: Rng;
} {
  const config = parseDqnRunConfig({ algo: "dqn", preset: "rainbow-denoised", ...raw });
  const spec = DQN_ENV_SPECS[config.env];
  const rng = new Rng(config.seed);
  const netRng = rng.fork();
  const envRng = rng.fork();
  const agent = new DqnAgent({
    makeNetwork: () => spec.buildNetwork(config, netRng),
    config: dqnAgentConfig(config),
    observationDtype: spec.observationDtype,
  });
  return { agent, config, rng, envRng };
}

describe("the Rainbow-style preset (prioritized replay, dueling C51, Double, 3-step; no NoisyNets) learns", () => {
  it("CartPole-v1: a 20-episode greedy average ≥ 195 within 8000 frames (the DQN test's budget)", () => {
    const { agent, config, rng, envRng } = presetAgent({ env: "CartPole-v1", seed: 1 });
    expect(agent.atoms).toBe(51);
    expect(config.replay).toBe("prioritized");
    const result = trainDqn({
      env: DQN_ENV_SPECS["CartPole-v1"].makeEnv(envRng),
      agent,
      totalFrames: 8000,
      rng,
      envSeed: 1,
      evaluation: {
        env: makeEnv("CartPole-v1") as Env<unknown, number>,
        seeds: Array.from({ length: 20 }, (_, i) => 1000 + i),
        epsilon: 0,
        interval: 1000,
        maxSteps: 500,
        stopWhen: (e) => e.mean >= 195,
      },
    });
    expect(Math.max(...result.evaluations.map((e) => e.mean))).toBeGreaterThanOrEqual(195);
  }, 600_000);

  it("MinAtar Breakout: beats the random policy after 6000 frames", () => {
    // The preset's parts on a test-sized schedule: 6000 frames (ε 1 → 0.01 over 4000 after the
    // 1600 warm-up), lr 1e-3, target copy every 500 updates, hidden layer low-rank at ⅒ (speed).
    const { agent, rng, envRng } = presetAgent({
      env: "MinAtar/Breakout",
      seed: 1,
      totalSteps: 6000,
      epsilonDecaySteps: 4000,
      lr: 1e-3,
      targetUpdate: "hard:500",
      network: "lowrank-0.1",
    });
    trainDqn({
      env: DQN_ENV_SPECS["MinAtar/Breakout"].makeEnv(envRng),
      agent,
      totalFrames: 6000,
      rng,
      envSeed: 1,
    });
    const seeds = Array.from({ length: 30 }, (_, i) => 500 + i);
    const trained = evaluateDqn(agent, new MinAtarBreakout(), { seeds, epsilon: 0.05, maxSteps: 5000 });
    const random = evaluateDqn(agent, new MinAtarBreakout(), { seeds, epsilon: 1 });
    expect(random.mean).toBeLessThan(1);
    expect(trained.mean).toBeGreaterThan(1.5);
    expect(trained.mean).toBeGreaterThan(2 * random.mean);
  }, 600_000);
});
