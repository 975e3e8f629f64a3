import { describe, expect, it } from "vitest";
import { DqnAgent } from "../../src/dqn/agent.js";
import { evaluateDqn } from "../../src/dqn/evaluate.js";
import { mlpQNetwork } from "../../src/dqn/networks.js";
import { trainDqn } from "../../src/dqn/train.js";
import type { Env } from "../../src/envs/env.js";
import { makeEnv } from "../../src/envs/registry.js";
import { Rng } from "../../src/random/rng.js";

const cartPole = (maxEpisodeSteps: number, rng?: Rng) =>
  makeEnv("CartPole-v1", { maxEpisodeSteps, rng }) as Env<unknown, number>;
const agentFor = (config = {}) =>
  new DqnAgent({
    makeNetwork: () => mlpQNetwork({ observationSize: 4, numActions: 2, hidden: [8], rng: new Rng(3) }),
    config: { bufferSize: 1000, batchSize: 8, learningStarts: 20, ...config },
  });

describe("trainDqn loop", () => {
  it("stores time-limit ends as truncated (bootstrapped), resets, and starts updating after the warm-up", () => {
    const agent = agentFor();
    const res = trainDqn({ env: cartPole(5), agent, totalFrames: 60, rng: new Rng(1), envSeed: 1 });
    const buf = agent.buffer;
    expect(buf.size).toBe(60);
    // Every 5th transition ends an episode by truncation (a random policy cannot fall within 5 steps).
    for (let i = 0; i < 60; i++) {
      expect(buf.truncated[i]).toBe(i % 5 === 4 ? 1 : 0);
      expect(buf.terminated[i]).toBe(0);
    }
    expect(res.episodes.length).toBe(12);
    expect(res.episodes.every((e) => e.truncated && e.length === 5 && e.return === 5)).toBe(true);
    // The transition after a truncation starts a new episode: its s is a fresh reset, not s′ of the truncated one.
    const d = buf.observationSize;
    const nextOfTruncated = Array.from(buf.nextObservations.subarray(4 * d, 5 * d));
    const firstOfNext = Array.from(buf.observations.subarray(5 * d, 6 * d));
    expect(firstOfNext).not.toEqual(nextOfTruncated);
    expect(buf.nStepReturn(4, 1, 0.9).discount).toBe(0.9);
    expect(agent.updates).toBe(40);
  });

  it("is reproducible: same seeds → same episodes, same parameters", () => {
    const run = () => {
      const agent = agentFor();
      const res = trainDqn({
        env: cartPole(500, new Rng(7)),
        agent,
        totalFrames: 300,
        rng: new Rng(2),
        envSeed: 5,
      });
      return { returns: res.episodes.map((e) => e.return), w: Array.from(agent.network.parameters[0].data) };
    };
    expect(run()).toEqual(run());
  });

  it("stopWhen ends training after the first evaluation that satisfies it", () => {
    const agent = agentFor();
    const res = trainDqn({
      env: cartPole(500),
      agent,
      totalFrames: 1000,
      rng: new Rng(1),
      envSeed: 1,
      evaluation: {
        env: cartPole(500),
        seeds: [1, 2],
        epsilon: 0,
        interval: 100,
        stopWhen: (e) => e.frame >= 300,
      },
    });
    expect(res.frames).toBe(300);
    expect(res.evaluations.map((e) => e.frame)).toEqual([100, 200, 300]);
  });
});

describe("evaluateDqn", () => {
  it("uses the given seeds: same agent, same seeds → identical returns; episodes end at the time limit", () => {
    const agent = agentFor();
    const a = evaluateDqn(agent, cartPole(50), { seeds: [1, 2, 3], epsilon: 0.3 });
    const b = evaluateDqn(agent, cartPole(50), { seeds: [1, 2, 3], epsilon: 0.3 });
    expect(a.returns).toEqual(b.returns);
    expect(a.lengths.every((l) => l >= 1 && l <= 50)).toBe(true);
    expect(a.mean).toBeCloseTo(a.returns.reduce((x, y) => x + y, 0) / 3, 12);
    expect(() => evaluateDqn(agent, cartPole(50), { seeds: [], epsilon: 0 })).toThrow(
      /seeds must not be empty/,
    );
  });
});
