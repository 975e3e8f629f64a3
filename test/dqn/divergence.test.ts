import { describe, expect, it } from "vitest";
import { DqnAgent } from "../../src/dqn/agent.js";
import type { DqnConfig } from "../../src/dqn/config.js";
import { mlpQNetwork } from "../../src/dqn/networks.js";
import { DqnDivergedError, trainDqn } from "../../src/dqn/train.js";
import type { Env } from "../../src/envs/env.js";
import { makeEnv } from "../../src/envs/registry.js";
import { Rng } from "../../src/random/rng.js";

const CONFIG: Partial<DqnConfig> = {
  gamma: 0.99,
  batchSize: 8,
  bufferSize: 1000,
  learningStarts: 50,
  trainFrequency: 1,
  targetUpdateInterval: 10,
  optimizer: { kind: "adam", lr: 1e-3 },
  epsilonStart: 1,
  epsilonEnd: 0.05,
  epsilonDecayFrames: 100,
};

describe("DQN divergence guard", () => {
  it("a non-finite weight stops training at the first update, naming the frame and the quantity", () => {
    const rng = new Rng(0);
    const netRng = rng.fork();
    const agent = new DqnAgent({
      makeNetwork: () => mlpQNetwork({ observationSize: 4, numActions: 2, hidden: [16], rng: netRng }),
      config: CONFIG as DqnConfig,
    });
    agent.network.parameters[0].data[0] = Number.NaN;
    let caught: unknown;
    try {
      trainDqn({
        env: makeEnv("CartPole-v1", { rng: rng.fork() }) as Env<unknown, number>,
        agent,
        totalFrames: 500,
        rng,
        envSeed: 0,
      });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(DqnDivergedError);
    expect((caught as DqnDivergedError).frame).toBe(51); // learning starts after 50 frames: the first update is at frame 51
    expect((caught as Error).message).toMatch(/^diverged at frame 51: losses\/(td_loss|q_values) = NaN$/);
  });
});
