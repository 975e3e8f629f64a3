import { describe, expect, it } from "vitest";
import { CartPoleEnv, makeEnv } from "../../src/envs/index.js";
import { describeGolden } from "./golden.js";

describeGolden({
  file: "cartpole",
  makeCore: () => new CartPoleEnv(),
  makeWrapped: () => makeEnv("CartPole-v1"),
  oneStepTol: 1e-13,
  rolloutTol: 1e-13,
  // A5 is the chaotic 500-step balancing replay (sensitivity ≈ 1.7): the full rollout is still
  // compared (a float64 port is bit-exact), but this is where a libm change would show first.
});

describe("CartPole-v1 semantics", () => {
  it("reward 1 on the terminating step, 0 on steps after termination", () => {
    const env = new CartPoleEnv();
    env.reset({ seed: 0 });
    env.setState([2.39, 1, 0, 0]);
    const r1 = env.step(1);
    expect(r1.terminated).toBe(true);
    expect(r1.reward).toBe(1);
    const r2 = env.step(1);
    expect(r2.terminated).toBe(true);
    expect(r2.reward).toBe(0);
  });

  it("Sutton-Barto reward: 0 per step, -1 on termination", () => {
    const env = new CartPoleEnv({ suttonBartoReward: true });
    env.reset({ seed: 0 });
    expect(env.step(0).reward).toBe(0);
    env.setState([2.39, 1, 0, 0]);
    expect(env.step(1).reward).toBe(-1);
  });

  it("reset draws 4 values in [-0.05, 0.05)", () => {
    const env = new CartPoleEnv();
    const { observation } = env.reset({ seed: 7 });
    for (const x of env.getState()) expect(Math.abs(x)).toBeLessThanOrEqual(0.05);
    expect(observation.length).toBe(4);
  });
});
