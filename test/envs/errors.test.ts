import { describe, expect, it } from "vitest";
import {
  CartPoleEnv,
  GoddardEnv,
  MountainCarContinuousEnv,
  PaperPendulumEnv,
  PendulumEnv,
  makeEnv,
  listEnvs,
} from "../../src/envs/index.js";

describe("bad input", () => {
  it("unknown env id lists the registered ids", () => {
    expect(() => makeEnv("Pendulum-v0")).toThrow(
      /unknown env id "Pendulum-v0"; registered ids: LRPG\/Pendulum, .*CartPole-v1/,
    );
    expect(listEnvs()).toEqual(
      expect.arrayContaining([
        "LRPG/Pendulum",
        "LRPG/Acrobot",
        "LRPG/Rocket",
        "Pendulum-v1",
        "Acrobot-v1",
        "CartPole-v1",
        "MountainCarContinuous-v0",
        "Goddard-v0",
      ]),
    );
  });

  it("NaN / infinite continuous actions are rejected, naming the space", () => {
    const env = new PendulumEnv();
    env.reset({ seed: 0 });
    expect(() => env.step([NaN])).toThrow(
      /Pendulum-v1\.step: action must be a finite number or a length-1 array \(Box \[-2, 2\]; out-of-range values are clipped to \[-2, 2\].*got an array of length 1 \[NaN\]/,
    );
    expect(() => env.step(Infinity)).toThrow(/finite number.*got Infinity/);
  });

  it("wrong-length actions are rejected", () => {
    const env = new GoddardEnv();
    env.reset();
    expect(() => env.step([0.5, 0.5])).toThrow(
      /Goddard-v0\.step: action must be .*length-1 array.*got an array of length 2/,
    );
    expect(() => env.step([] as number[])).toThrow(/got an array of length 0/);
    expect(() => env.step("1" as unknown as number)).toThrow(/Goddard-v0\.step/);
  });

  it("discrete actions must be integers in {0..n-1}", () => {
    const env = new CartPoleEnv();
    env.reset({ seed: 0 });
    expect(() => env.step(2)).toThrow(
      /CartPole-v1\.step: action must be an integer in \{0, …, 1\} \(Discrete\(2\)\), got 2/,
    );
    expect(() => env.step(-1)).toThrow(/got -1/);
    expect(() => env.step(0.5)).toThrow(/got 0\.5/);
    expect(() => env.step(NaN)).toThrow(/got NaN/);
    expect(env.step([1]).reward).toBe(1); // a length-1 array is accepted
  });

  it("out-of-range Box actions follow each env's documented rule", () => {
    // clipped: the paper pendulum treats u = -5 as -2
    const a = new PaperPendulumEnv();
    const b = new PaperPendulumEnv();
    a.setState([0.1, 0]);
    b.setState([0.1, 0]);
    expect(a.step([-5]).observation).toEqual(b.step([-2]).observation);
    // passed through: the rocket accepts a = 1.4 (more thrust than full)
    const r = makeEnv("LRPG/Rocket");
    r.reset();
    expect(r.step([1.4]).observation[2]).toBeCloseTo(1 - 0.002 * 3.5 * 1.4, 15);
    // MountainCarContinuous: force clipped, penalty on the raw value
    const m = new MountainCarContinuousEnv();
    m.setState([-0.5, 0]);
    expect(m.step(2).reward).toBeCloseTo(-0.4, 12);
  });

  it("setState: wrong length or NaN names the expected layout", () => {
    const env = makeEnv("CartPole-v1");
    env.reset({ seed: 0 });
    expect(() => env.setState([1, 2, 3])).toThrow(
      /CartPole-v1\.setState: state must have 4 entries \[x, x_dot, theta, theta_dot\], got 3/,
    );
    expect(() => env.setState([0, NaN, 0, 0])).toThrow(
      /state\[1\] \(x_dot\) must be a finite number, got NaN/,
    );
    expect(() => env.setState(null)).toThrow(/must be an array of 4 numbers/);
    const p = makeEnv("LRPG/Pendulum");
    expect(() => p.setState([0])).toThrow(/2 entries \[theta, theta_dot\], got 1/);
  });

  it("reset with a non-integer seed names the parameter", () => {
    expect(() => new PendulumEnv().reset({ seed: 1.5 })).toThrow(
      /Pendulum-v1\.reset: seed must be an integer in \[-2147483648, 2147483647\] \(not wrapped\), got 1\.5/,
    );
  });

  it("reset seeds outside the int32 range are errors, not wrapped", () => {
    for (const id of ["CartPole-v1", "MinAtar/Breakout", "LRPG/Pendulum"]) {
      for (const seed of [-(2 ** 31) - 1, 2 ** 31, 2 ** 32 + 5, 2 ** 32 - 1, 1e300]) {
        expect(() => makeEnv(id).reset({ seed }), `${id} seed ${seed}`).toThrow(
          /reset: seed must be an integer in \[-2147483648, 2147483647\] \(not wrapped\)/,
        );
      }
      const first = (seed: number) => Array.from(makeEnv(id).reset({ seed }).observation);
      expect(first(-1)).not.toEqual(first(2 ** 31 - 1));
      expect(first(5)).toEqual(first(5));
    }
  });

  it("makeEnv rejects unknown option keys and names the allowed ones", () => {
    expect(() => makeEnv("Pendulum-v1", { gravity: 9.8 })).toThrow(
      /makeEnv\("Pendulum-v1"\): unknown option "gravity"; allowed: rng, maxEpisodeSteps, g/,
    );
    expect(() => makeEnv("LRPG/Pendulum", { seed: 3 })).toThrow(/unknown option "seed"/);
    expect(() => makeEnv("MinAtar/Breakout", { stickyActionProb: 0, minimalActions: true })).not.toThrow();
    expect(() => makeEnv("CartPole-v1", { suttonBartoReward: true, maxEpisodeSteps: null })).not.toThrow();
  });

  it("step before reset is an error", () => {
    expect(() => new PendulumEnv().step([0])).toThrow(/call reset\(\) \(or setState\(\)\) before step\(\)/);
  });

  it("bad constructor and reset options", () => {
    expect(() => new PendulumEnv({ g: NaN })).toThrow(/g must be a finite number, got NaN/);
    expect(() => new CartPoleEnv().reset({ options: { low: 1, high: 0 } })).toThrow(
      /need options.low <= options.high, got 1 and 0/,
    );
  });
});
