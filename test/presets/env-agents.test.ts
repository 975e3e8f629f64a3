import { describe, expect, it } from "vitest";
import { makeEnv } from "../../src/envs/index.js";
import { LrpgAgent } from "../../src/lrpg/gaussian-lrpg-agent.js";
import { SoftmaxLrpgAgent } from "../../src/lrpg/softmax-lrpg-agent.js";
import { trainReinforce } from "../../src/pg/reinforce.js";
import { makeLrpgAgentForEnv } from "../../src/presets/env-agents.js";
import { makePaperAgent } from "../../src/presets/paper-agents.js";
import { Rng } from "../../src/random/rng.js";

describe("makeLrpgAgentForEnv", () => {
  const cases: [string, "continuous" | "discrete", boolean][] = [
    ["Pendulum-v1", "continuous", false],
    ["MountainCarContinuous-v0", "continuous", false],
    ["Goddard-v0", "continuous", true],
    ["CartPole-v1", "discrete", false],
    ["Acrobot-v1", "discrete", false],
    ["LRPG/Rocket", "continuous", true],
  ];
  for (const [id, kind, squashed] of cases) {
    it(`${id}: a ${kind} agent that trains a few episodes`, () => {
      const rng = new Rng(4);
      const agent = makeLrpgAgentForEnv(id, { rng });
      expect(agent.actionKind).toBe(kind);
      expect(agent).toBeInstanceOf(kind === "continuous" ? LrpgAgent : SoftmaxLrpgAgent);
      if (agent instanceof LrpgAgent) expect(agent.sigmoidMean).toBe(squashed);
      const env = makeEnv(id, { rng: rng.fork() });
      const r = trainReinforce({ env, agent, rng, episodes: 3, maxSteps: 50 });
      expect(r.returns.every(Number.isFinite)).toBe(true);
    });
  }

  it("the paper envs get exactly the paper preset; overrides apply", () => {
    const a = makeLrpgAgentForEnv("LRPG/Pendulum", { seed: 2 }).exportStateDict();
    expect(a).toEqual(makePaperAgent("lrpg", "pendulum", { seed: 2 }).exportStateDict());
    const b = makeLrpgAgentForEnv("LRPG/Pendulum", { seed: 2, rank: 2 }) as LrpgAgent;
    expect(b.mu.rank).toBe(2);
    expect(() => makeLrpgAgentForEnv("MinAtar/Breakout")).toThrow(/no default grid/);
    expect(() => makeLrpgAgentForEnv("Nope-v0")).toThrow(/unknown env id "Nope-v0"/);
  });
});
