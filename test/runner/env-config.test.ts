import { describe, expect, it } from "vitest";
import { parseRunConfig, ConfigError } from "../../src/runner/config.js";
import { envAgentFactory } from "../../src/runner/env-agent-factory.js";
import { envRunDefaults } from "../../src/runner/env-defaults.js";
import { paperAgentFactory } from "../../src/runner/paper-agent-factory.js";
import { Rng } from "../../src/random/rng.js";

describe("runner configs on registered envs outside the paper (default grids)", () => {
  it("CartPole-v1: task null, the discrete preset's defaults, the env's default grid, low-rank softmax agent", () => {
    const c = parseRunConfig({ env: "CartPole-v1" });
    expect(c).toMatchObject({
      env: "CartPole-v1",
      task: null,
      algo: "lrpg",
      maxSteps: 500,
      gamma: 0.99,
      rank: 3,
      lrActor: 0.05,
      lrCritic: 0.1,
    });
    expect(c.actorBuckets).toBeUndefined();
    expect(parseRunConfig(JSON.parse(JSON.stringify(c)))).toEqual(c); // a resolved config parses again
    const agent = paperAgentFactory(c, new Rng(0));
    expect(agent).toHaveProperty("actionKind", "discrete");
    // default grid rows (x, ẋ) 2×2 = 4, cols (θ, θ̇) 6×6 = 36; logits 4 × 72 at K = 3, critic 4 × 36
    expect(agent.parameterCount).toMatchObject({ actor: (4 + 72) * 3, critic: (4 + 36) * 3 });
  });

  it("Box envs get the Gaussian LRPG or the NN; Goddard-v0's [0, 1] throttle uses the sigmoid mean and clamp", () => {
    const lrpg = envAgentFactory(parseRunConfig({ env: "Goddard-v0", rank: 1 }), new Rng(1));
    expect(lrpg).toHaveProperty("actionKind", "continuous");
    expect(lrpg).toMatchObject({ sigmoidMean: true, actionClamp: [0, 1] });
    expect(envRunDefaults("Goddard-v0").unitInterval).toBe(true);
    const nn = envAgentFactory(parseRunConfig({ env: "Pendulum-v1", algo: "nn", hidden: 8 }), new Rng(1));
    expect(nn.parameterCount).toMatchObject({ actor: 3 * 8 + 8 + 8 + 1, critic: 3 * 8 + 8 + 8 + 1 });
    expect(envRunDefaults("Pendulum-v1").unitInterval).toBe(false);
    const a = nn.act([1, 0, 0], new Rng(2));
    expect(Number.isFinite(typeof a === "number" ? a : a[0])).toBe(true);
  });

  it("bad combinations name the field and what is allowed", () => {
    expect(() => parseRunConfig({ env: "CartPole-v1", algo: "nn" })).toThrow(ConfigError);
    expect(() => parseRunConfig({ env: "CartPole-v1", algo: "nn" })).toThrow(
      /config.algo = "nn": CartPole-v1 has discrete actions .* use "lrpg"/,
    );
    expect(() => parseRunConfig({ env: "CartPole-v1", task: "pendulum" })).toThrow(
      /config.task = "pendulum": env CartPole-v1 is not a paper task/,
    );
    expect(() => parseRunConfig({ env: "MinAtar/Breakout" })).toThrow(
      /config.env = "MinAtar\/Breakout": must be one of .*CartPole-v1/,
    );
    expect(() => parseRunConfig({ env: "CartPole-v1", hidden: 4 })).toThrow(
      /config.hidden = 4: only applies to algo "nn"/,
    );
  });
});
