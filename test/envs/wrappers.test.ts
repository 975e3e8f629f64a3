import { describe, expect, it } from "vitest";
import {
  ClipAction,
  GoddardEnv,
  PendulumEnv,
  RecordEpisodeStatistics,
  TimeLimit,
  checkEnv,
  listEnvs,
  makeEnv,
  type Env,
  type StepResult,
} from "../../src/envs/index.js";
import { Rng } from "../../src/random/index.js";

describe("TimeLimit", () => {
  it("truncates after n steps, independently of terminated, and resets the counter on reset", () => {
    const env = new TimeLimit(makeEnv("CartPole-v1", { maxEpisodeSteps: null }), 5);
    env.reset({ seed: 0 });
    let r: StepResult | undefined;
    for (let t = 0; t < 5; t++) r = env.step(t % 2);
    expect(r?.truncated).toBe(true);
    expect(env.elapsedSteps).toBe(5);
    env.reset({ seed: 0 });
    expect(env.elapsedSteps).toBe(0);
    expect(env.step(0).truncated).toBe(false);
  });

  it("both flags can be true on the same step", () => {
    const env = makeEnv("CartPole-v1", { maxEpisodeSteps: 1 });
    env.reset({ seed: 0 });
    env.setState([2.39, 1, 0, 0]);
    const r = env.step(1);
    expect(r.terminated).toBe(true);
    expect(r.truncated).toBe(true);
  });

  it("setState leaves the step counter alone; stepInPlace counts too", () => {
    const env = makeEnv("Pendulum-v1", { maxEpisodeSteps: 3 }) as TimeLimit;
    env.reset({ seed: 0 });
    env.step([0]);
    env.setState([0, 0]);
    expect(env.elapsedSteps).toBe(1);
    expect(env.stepInPlace([0]).truncated).toBe(false);
    expect(env.stepInPlace([0]).truncated).toBe(true);
    env.reset({ seed: 0 });
    expect(env.stepInPlace([0]).truncated).toBe(false);
  });

  it("makeEnv applies the registered limits like gymnasium.make", () => {
    const want: Record<string, number | undefined> = {
      "LRPG/Pendulum": undefined,
      "LRPG/Acrobot": undefined,
      "LRPG/Rocket": undefined,
      "Pendulum-v1": 200,
      "Acrobot-v1": 500,
      "CartPole-v1": 500,
      "MountainCarContinuous-v0": 999,
      "Goddard-v0": 400,
    };
    for (const [id, limit] of Object.entries(want)) expect(makeEnv(id).maxEpisodeSteps, id).toBe(limit);
    expect(makeEnv("Pendulum-v1", { maxEpisodeSteps: 7 }).maxEpisodeSteps).toBe(7);
    expect(makeEnv("Pendulum-v1", { maxEpisodeSteps: null }).maxEpisodeSteps).toBeUndefined();
    expect(() => makeEnv("Pendulum-v1", { maxEpisodeSteps: 0 })).toThrow(
      /maxEpisodeSteps must be an integer >= 1, got 0/,
    );
  });
});

describe("RecordEpisodeStatistics", () => {
  it("puts {r, l} into info at episode end and keeps queues", () => {
    const env = new RecordEpisodeStatistics(makeEnv("CartPole-v1"), 2);
    for (let ep = 0; ep < 3; ep++) {
      env.reset({ seed: ep });
      let ret = 0;
      let len = 0;
      for (;;) {
        const r = env.step(1);
        ret += r.reward;
        len++;
        if (r.terminated || r.truncated) {
          expect(r.info.episode).toEqual({ r: ret, l: len });
          break;
        }
        expect(r.info.episode).toBeUndefined();
      }
    }
    expect(env.episodeCount).toBe(3);
    expect(env.returnQueue.length).toBe(2);
    expect(env.lengthQueue).toEqual(env.returnQueue);
  });

  it("counts truncated episodes and the fast path", () => {
    const env = new RecordEpisodeStatistics(makeEnv("Pendulum-v1", { maxEpisodeSteps: 4 }));
    env.reset({ seed: 1 });
    let ret = 0;
    for (let t = 0; t < 4; t++) ret += env.stepInPlace([0.5]).reward;
    expect(env.lastEpisode).toEqual({ r: ret, l: 4 });
  });
});

describe("ClipAction", () => {
  it("clips Box actions to the space before the env sees them", () => {
    const a = new ClipAction(new GoddardEnv());
    const b = new GoddardEnv();
    a.reset();
    b.reset();
    const ra = a.step([1.7]);
    const rb = b.step([1]);
    expect(ra.observation).toEqual(rb.observation);
    expect(ra.info.action).toBe(1);
    expect(a.stepInPlace(-3).observation).toEqual(b.step(0).observation);
  });

  it("rejects Discrete action spaces and still lets NaN through to the env's check", () => {
    expect(() => new ClipAction(makeEnv("CartPole-v1"))).toThrow(/needs a Box/);
    const env = new ClipAction(new PendulumEnv());
    env.reset({ seed: 0 });
    expect(() => env.step([NaN])).toThrow(/finite number/);
  });
});

describe("checkEnv", () => {
  for (const id of listEnvs()) {
    it(`passes on ${id}`, () => {
      const report = checkEnv(makeEnv(id));
      expect(report.errors).toEqual([]);
      // every env here rejects invalid actions
      expect(report.warnings.filter((w) => w.includes("did not throw"))).toEqual([]);
    });
  }

  it("passes on wrapped envs", () => {
    expect(checkEnv(new RecordEpisodeStatistics(new ClipAction(makeEnv("Pendulum-v1")))).errors).toEqual([]);
  });

  it("reports a broken env with clear messages", () => {
    const inner = makeEnv("Pendulum-v1");
    const shared = new Float64Array(3);
    const broken: Env = {
      id: "Broken-v0",
      observationSpace: inner.observationSpace,
      actionSpace: inner.actionSpace,
      reset: (o) => inner.reset(o),
      step: (a) => {
        const r = inner.step(a);
        shared.set(r.observation);
        shared[2] = 99; // outside [-8, 8]
        return { ...r, observation: shared, reward: NaN, terminated: 0 as unknown as boolean };
      },
      getState: () => inner.getState(),
      setState: (s) => inner.setState(s),
    };
    const report = checkEnv(broken, { throwOnError: false });
    const text = report.errors.join("\n");
    expect(text).toMatch(/observation\[2\] = 99 is outside observationSpace \[-8, 8\]/);
    expect(text).toMatch(/reward must be a number \(not NaN\)/);
    expect(text).toMatch(/terminated must be a boolean/);
    expect(text).toMatch(/same observation array/);
    expect(() => checkEnv(broken)).toThrow(/checkEnv\(Broken-v0\)/);
  });

  it("detects nondeterminism under reset({seed})", () => {
    const inner = makeEnv("Pendulum-v1");
    const noise = new Rng(1);
    const env: Env = {
      id: "Noisy-v0",
      observationSpace: inner.observationSpace,
      actionSpace: inner.actionSpace,
      reset: (o) => inner.reset(o),
      step: (a) => {
        const r = inner.step(a);
        r.reward += noise.uniform();
        return r;
      },
      getState: () => inner.getState(),
      setState: (s) => inner.setState(s),
    };
    expect(checkEnv(env, { throwOnError: false }).errors.join("\n")).toMatch(
      /not deterministic under reset\(\{seed: 0\}\)/,
    );
  });
});

describe("checkEnv time limit", () => {
  it("flags an env whose declared limit is not enforced", () => {
    const inner = makeEnv("Pendulum-v1", { maxEpisodeSteps: null });
    const lying: Env = {
      id: "Lying-v0",
      observationSpace: inner.observationSpace,
      actionSpace: inner.actionSpace,
      maxEpisodeSteps: 10,
      reset: (o) => inner.reset(o),
      step: (a) => inner.step(a),
      getState: () => inner.getState(),
      setState: (s) => inner.setState(s),
    };
    expect(checkEnv(lying, { throwOnError: false }).errors.join("\n")).toMatch(
      /maxEpisodeSteps = 10, but step 10 after reset returned truncated = false/,
    );
  });
});

describe("DiscretizeAction", () => {
  it("maps k to low + k·(high − low)/(n − 1) and passes checkEnv", async () => {
    const { DiscretizeAction } = await import("../../src/envs/index.js");
    const env = new DiscretizeAction(makeEnv("Pendulum-v1"), 5);
    expect(Array.from(env.values)).toEqual([-2, -1, 0, 1, 2]);
    expect(env.actionSpace.n).toBe(5);
    const ref = makeEnv("Pendulum-v1");
    env.reset({ seed: 4 });
    ref.reset({ seed: 4 });
    expect(env.step(3).observation).toEqual(ref.step([1]).observation);
    expect(() => env.step(5)).toThrow(/integer in \{0, …, 4\}/);
    expect(() => new DiscretizeAction(makeEnv("CartPole-v1"), 3)).toThrow(/needs a 1-D Box/);
    expect(() => new DiscretizeAction(makeEnv("Pendulum-v1"), 1)).toThrow(/n must be an integer >= 2, got 1/);
    expect(checkEnv(new DiscretizeAction(makeEnv("LRPG/Rocket"), 10)).errors).toEqual([]);
  });
});
