import { describe, expect, it } from "vitest";
import { PaperPendulumEnv, PendulumEnv, makeEnv } from "../../src/envs/index.js";
import { describeGolden } from "./golden.js";

describeGolden({
  file: "paper-pendulum",
  makeCore: () => new PaperPendulumEnv(),
  makeWrapped: () => makeEnv("LRPG/Pendulum"),
  oneStepTol: 1e-13,
  rolloutTol: 1e-8,
  // A1 is an open-loop-unstable 200-step balancing replay (sensitivity 1.5e-5): compare loosely.
  rolloutOverrides: { A1: { tol: 1e-3 } },
});

describeGolden({
  file: "pendulum",
  makeCore: () => new PendulumEnv(),
  makeWrapped: () => makeEnv("Pendulum-v1"),
  oneStepTol: 1e-13,
  rolloutTol: 1e-8,
});

describe("LRPG/Pendulum semantics", () => {
  it("resets near upright: theta, theta_dot in [0, 0.01)", () => {
    const env = makeEnv("LRPG/Pendulum");
    for (let seed = 0; seed < 20; seed++) {
      const { observation } = env.reset({ seed });
      expect(observation.length).toBe(2);
      for (const x of observation) {
        expect(x).toBeGreaterThanOrEqual(0);
        expect(x).toBeLessThan(0.01);
      }
    }
  });

  it("has no time limit and clips torque to [-2, 2]", () => {
    const a = makeEnv("LRPG/Pendulum");
    const b = makeEnv("LRPG/Pendulum");
    expect(a.maxEpisodeSteps).toBeUndefined();
    a.reset({ seed: 1 });
    b.reset({ seed: 1 });
    a.setState([0, 0]);
    b.setState([0, 0]);
    expect(a.step([-5]).observation).toEqual(b.step([-2]).observation);
  });
});

describe("Pendulum-v1 semantics", () => {
  it("reset draws theta in [-pi, pi), theta_dot in [-1, 1); x_init / y_init shrink the box", () => {
    const env = new PendulumEnv();
    for (let seed = 0; seed < 20; seed++) {
      env.reset({ seed });
      const [th, thdot] = env.getState();
      expect(Math.abs(th)).toBeLessThanOrEqual(Math.PI);
      expect(Math.abs(thdot)).toBeLessThanOrEqual(1);
      env.reset({ seed, options: { x_init: 0.1, y_init: 0.01 } });
      const [th2, thdot2] = env.getState();
      expect(Math.abs(th2)).toBeLessThanOrEqual(0.1);
      expect(Math.abs(thdot2)).toBeLessThanOrEqual(0.01);
    }
  });

  it("truncates at 200 steps like gymnasium.make", () => {
    const env = makeEnv("Pendulum-v1");
    env.reset({ seed: 3 });
    for (let t = 1; t <= 200; t++) {
      const r = env.step([0]);
      expect(r.truncated).toBe(t === 200);
      expect(r.terminated).toBe(false);
    }
  });

  it("option g changes gravity", () => {
    const a = new PendulumEnv({ g: 9.81 });
    const b = new PendulumEnv();
    a.setState([1, 0]);
    b.setState([1, 0]);
    expect(a.step(0).observation[2]).not.toBe(b.step(0).observation[2]);
  });
});
