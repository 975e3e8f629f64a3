import { describe, expect, it } from "vitest";
import { MountainCarContinuousEnv, makeEnv } from "../../src/envs/index.js";
import { describeGolden } from "./golden.js";

// NumPy-2 dtype rules are emulated, so states/observations are bit-exact; rewards may differ
// by 1 ulp (glibc pow(a, 2) vs a*a), hence the 1e-15 tolerance.
describeGolden({
  file: "mountain-car-continuous",
  makeCore: () => new MountainCarContinuousEnv(),
  makeWrapped: () => makeEnv("MountainCarContinuous-v0"),
  oneStepTol: 1e-15,
  rolloutTol: 1e-15,
});

describe("MountainCarContinuous-v0 semantics", () => {
  it("reset: position in [-0.6, -0.4), velocity 0; time limit 999", () => {
    const env = makeEnv("MountainCarContinuous-v0");
    expect(env.maxEpisodeSteps).toBe(999);
    const { observation } = env.reset({ seed: 1 });
    expect(observation[0]).toBeGreaterThanOrEqual(-0.6);
    expect(observation[0]).toBeLessThanOrEqual(-0.4);
    expect(observation[1]).toBe(0);
  });

  it("the penalty uses the raw action, the force the clipped one", () => {
    const a = new MountainCarContinuousEnv();
    const b = new MountainCarContinuousEnv();
    a.setState([-0.5, 0]);
    b.setState([-0.5, 0]);
    const ra = a.step([3]);
    const rb = b.step([1]);
    expect(ra.observation).toEqual(rb.observation);
    expect(ra.reward).toBeCloseTo(-0.9, 12);
    expect(rb.reward).toBeCloseTo(-0.1, 12);
  });
});

describe("MountainCarContinuous-v0 float32/float64 mode of setState", () => {
  // With a clipped action (|a| > 1) the reference adds the increment in float32 when the state is a
  // float32 array (after a step) and in float64 after reset.
  const f = Math.fround;
  const p = f(-1.1);
  const increment = 1 * 0.0015 - 0.0025 * Math.cos(3 * p);

  it("a moving float32 state steps with float32 arithmetic", () => {
    const v = f(0.01);
    const env = new MountainCarContinuousEnv();
    env.setState([p, v]);
    env.step([2]);
    const vF32 = f(v + f(increment));
    const double = [f(p + (v + increment)), f(v + increment)];
    expect(env.getState()).toEqual([f(p + vF32), vF32]);
    expect(env.getState()).not.toEqual(double); // the two modes really differ here
  });

  it("a resting state [p, 0] is reset-like and steps in float64", () => {
    const env = new MountainCarContinuousEnv();
    env.setState([p, 0]);
    env.step([2]);
    expect(env.getState()).toEqual([f(p + (0 + increment)), f(0 + increment)]);
  });
});
