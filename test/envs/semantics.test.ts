import { describe, expect, it } from "vitest";
import {
  Box,
  Discrete,
  DEFAULT_ENV_SEED,
  fastStepper,
  listEnvs,
  makeEnv,
  type Env,
} from "../../src/envs/index.js";
import { Rng } from "../../src/random/index.js";

function firstObs(env: Env, seed?: number): number[] {
  return Array.from(env.reset(seed === undefined ? {} : { seed }).observation);
}

describe("seeding", () => {
  it("reset({seed}) re-seeds with new Rng(seed): same seed, same start; different seeds differ", () => {
    for (const id of [
      "LRPG/Pendulum",
      "LRPG/Acrobot",
      "Pendulum-v1",
      "Acrobot-v1",
      "CartPole-v1",
      "MountainCarContinuous-v0",
    ]) {
      const a = makeEnv(id);
      const b = makeEnv(id);
      expect(firstObs(a, 5), id).toEqual(firstObs(b, 5));
      expect(firstObs(a, 5), id).not.toEqual(firstObs(a, 6));
    }
  });

  it("makeEnv(id, {rng}) draws resets from the given generator", () => {
    const env = makeEnv("CartPole-v1", { rng: new Rng(42) });
    const first = firstObs(env);
    const second = firstObs(env);
    expect(first).not.toEqual(second); // the generator continues across resets
    const again = makeEnv("CartPole-v1", { rng: new Rng(42) });
    expect(firstObs(again)).toEqual(first);
    // CartPole draws U(-0.05, 0.05) four times: lo + (hi - lo)·u from the same stream
    const r = new Rng(42);
    expect(first).toEqual(Array.from({ length: 4 }, () => Math.fround(-0.05 + 0.1 * r.uniform())));
  });

  it("without rng or seed, the default seed is used (never Math.random)", () => {
    const a = makeEnv("Pendulum-v1");
    const b = makeEnv("Pendulum-v1", { rng: new Rng(DEFAULT_ENV_SEED) });
    expect(firstObs(a)).toEqual(firstObs(b));
  });

  it("Goddard envs reset deterministically", () => {
    expect(firstObs(makeEnv("Goddard-v0"), 1)).toEqual([0, 1, 1]);
    expect(firstObs(makeEnv("LRPG/Rocket"), 2)).toEqual([0, 1, 1]);
  });
});

describe("getState / setState", () => {
  for (const id of listEnvs().filter((i) => !i.startsWith("MinAtar"))) {
    it(`${id}: restoring a state reproduces the continuation exactly`, () => {
      const env = makeEnv(id, { maxEpisodeSteps: null });
      env.reset({ seed: 3 });
      const act = (t: number) =>
        env.actionSpace instanceof Discrete ? t % env.actionSpace.n : [Math.sin(t)];
      for (let t = 0; t < 5; t++) env.step(act(t));
      const saved = env.getState() as number[];
      const run = () => Array.from({ length: 10 }, (_, t) => Array.from(env.step(act(t)).observation));
      const first = run();
      env.setState(saved);
      expect(run()).toEqual(first);
    });
  }
});

describe("spaces", () => {
  it("sample stays in the space and is seeded", () => {
    for (const id of listEnvs()) {
      const env = makeEnv(id);
      const s1 = new Rng(9);
      const s2 = new Rng(9);
      const s3 = new Rng(10);
      for (let i = 0; i < 50; i++) {
        const a = env.actionSpace.sample(s1);
        expect(env.actionSpace.sample(s2)).toEqual(a);
        if (env.actionSpace instanceof Box) expect(env.actionSpace.contains(a as Float64Array)).toBe(true);
        else expect(env.actionSpace.contains(a as number)).toBe(true);
        expect(env.observationSpace.contains(env.observationSpace.sample(s3))).toBe(true);
      }
    }
  });

  it("Box bounds at ±Number.MAX_VALUE sample finite values", () => {
    const box = new Box([-Number.MAX_VALUE], [Number.MAX_VALUE]);
    const x = box.sample(new Rng(1));
    expect(Number.isFinite(x[0])).toBe(true);
  });
});

describe("stepInPlace", () => {
  it("is allocation-free (same view object) and matches step", () => {
    for (const id of listEnvs()) {
      const a = fastStepper(makeEnv(id));
      const b = makeEnv(id);
      if (!id.startsWith("MinAtar")) expect(a.stepInPlace, id).toBe(makeEnv(id).stepInPlace);
      a.reset({ seed: 1 });
      b.reset({ seed: 1 });
      const rng = new Rng(2);
      let view = null;
      for (let t = 0; t < 30; t++) {
        const act = a.actionSpace.sample(rng);
        const r = b.step(act);
        const v = a.stepInPlace(act);
        if (view) expect(v).toBe(view);
        view = v;
        expect(Array.from(v.observation)).toEqual(Array.from(r.observation));
        expect([v.reward, v.terminated, v.truncated]).toEqual([r.reward, r.terminated, r.truncated]);
        if (r.terminated || r.truncated) break;
      }
    }
  });
});

describe("registry", () => {
  it("registerEnv adds an env that makeEnv builds with its time limit; duplicate ids are refused", async () => {
    const { registerEnv, envSpec, PendulumEnv } = await import("../../src/envs/index.js");
    registerEnv({
      id: "Test/ShortPendulum",
      create: (o) => new PendulumEnv(o),
      maxEpisodeSteps: 3,
      description: "test",
    });
    expect(listEnvs()).toContain("Test/ShortPendulum");
    expect(envSpec("Test/ShortPendulum").maxEpisodeSteps).toBe(3);
    expect(makeEnv("Test/ShortPendulum").maxEpisodeSteps).toBe(3);
    expect(() =>
      registerEnv({ id: "Pendulum-v1", create: (o) => new PendulumEnv(o), description: "dup" }),
    ).toThrow(/already registered/);
  });

  it("rejects an rng that is not an Rng", () => {
    expect(() => makeEnv("CartPole-v1", { rng: 42 as unknown as Rng })).toThrow(
      /options\.rng must be an Rng/,
    );
  });

  it("LRPG/Acrobot resets to float32 values in [-0.1, 0.1]", () => {
    const env = makeEnv("LRPG/Acrobot");
    for (let seed = 0; seed < 10; seed++) {
      for (const x of env.reset({ seed }).observation) {
        expect(Math.abs(x)).toBeLessThanOrEqual(0.1);
        expect(Math.fround(x)).toBe(x);
      }
    }
  });
});
