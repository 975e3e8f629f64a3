import { describe, expect, it } from "vitest";
import {
  Box,
  ClipAction,
  DiscretizeAction,
  MinAtarBreakout,
  RecordEpisodeStatistics,
  TimeLimit,
  Wrapper,
  fastStepper,
  checkEnv,
  isResumable,
  type LayerFields,
  listEnvs,
  makeEnv,
  type Action,
  type Env,
  type EnvSnapshot,
  type Resumable,
} from "../../src/envs/index.js";
import { Rng } from "../../src/random/index.js";

type ResumableEnv = Env & Resumable;

function resumable(env: Env): ResumableEnv {
  if (!isResumable(env)) throw new Error(`${env.id} is not Resumable`);
  return env;
}

/** A random action of `env`'s space; Box actions overshoot the bounds by 20% (clipping paths). */
function randomAction(env: Env, rng: Rng): Action {
  const space = env.actionSpace;
  if (space instanceof Box) {
    const lo = space.low[0];
    const hi = space.high[0];
    return [lo - 0.2 * (hi - lo) + 1.4 * (hi - lo) * rng.uniform()];
  }
  return rng.integer(space.n);
}

/** One recorded transition (observation, reward, flags, info; plus the reset observation on episode end). */
type Transition = [number[], number, boolean, boolean, unknown, number[] | null];

/** `actions.length` steps with auto-reset on `terminated || truncated`, recording everything. */
function roll(env: Env, actions: readonly Action[], inPlace = false): Transition[] {
  const fast = fastStepper(env);
  return actions.map((a) => {
    let rec: Transition;
    if (inPlace) {
      const v = fast.stepInPlace(a);
      rec = [Array.from(v.observation), v.reward, v.terminated, v.truncated, null, null];
    } else {
      const r = env.step(a);
      rec = [Array.from(r.observation), r.reward, r.terminated, r.truncated, r.info, null];
    }
    if (rec[2] || rec[3]) rec[5] = Array.from(env.reset().observation);
    return rec;
  });
}

function actionsFor(env: Env, n: number, seed: number): Action[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => randomAction(env, rng));
}

interface RoundTripCase {
  name: string;
  /** Builds the env; `seed` seeds its generator (the restored env is built with another one). */
  build: (seed: number) => Env;
  k: number;
  m: number;
  /** At least this many episode ends in the m recorded steps (auto-resets exercised). */
  minEpisodeEnds: number;
}

/**
 * k random steps, snapshot (through JSON: plain data), m more steps recorded; then a fresh env
 * built the same way with another generator (and reset with another seed) restores the snapshot
 * and must reproduce the m steps exactly.
 */
function checkRoundTrip(c: RoundTripCase, inPlace = false): void {
  const a = resumable(c.build(1));
  a.reset({ seed: 123 });
  const actions = actionsFor(a, c.k + c.m, 77);
  roll(a, actions.slice(0, c.k), inPlace);
  const snap = JSON.parse(JSON.stringify(a.snapshot())) as EnvSnapshot;
  const expected = roll(a, actions.slice(c.k), inPlace);
  const ends = expected.filter((r) => r[2] || r[3]).length;
  expect(ends).toBeGreaterThanOrEqual(c.minEpisodeEnds);

  const b = resumable(c.build(999));
  b.reset({ seed: 456 });
  roll(b, actions.slice(0, 3), inPlace); // move it somewhere else first
  b.restore(snap);
  expect(b.snapshot()).toEqual(snap);
  expect(roll(b, actions.slice(c.k), inPlace)).toEqual(expected);
  expect(b.snapshot()).toEqual(a.snapshot());
}

const registered: RoundTripCase[] = listEnvs().flatMap((id) => [
  // Registered time limit (or none), long enough to run through terminations where the env has them.
  {
    name: `${id} (as registered)`,
    build: (seed) => makeEnv(id, { rng: new Rng(seed) }),
    k: 17,
    m: 60,
    minEpisodeEnds: 0,
  },
  // Short time limit: several auto-resets drawn from the env's generator within the recorded steps.
  {
    name: `${id} (TimeLimit 7)`,
    build: (seed) => makeEnv(id, { rng: new Rng(seed), maxEpisodeSteps: 7 }),
    k: 4,
    m: 30,
    minEpisodeEnds: 4,
  },
]);

const wrapped: RoundTripCase[] = [
  {
    name: "RecordEpisodeStatistics(CartPole-v1, TimeLimit 9), bufferLength 2",
    build: (seed) =>
      new RecordEpisodeStatistics(makeEnv("CartPole-v1", { rng: new Rng(seed), maxEpisodeSteps: 9 }), 2),
    k: 23,
    m: 40,
    minEpisodeEnds: 4,
  },
  {
    name: "ClipAction(Goddard-v0, TimeLimit 5)",
    build: (seed) => new ClipAction(makeEnv("Goddard-v0", { rng: new Rng(seed), maxEpisodeSteps: 5 })),
    k: 3,
    m: 20,
    minEpisodeEnds: 3,
  },
  {
    name: "RecordEpisodeStatistics(DiscretizeAction(Pendulum-v1, 5)) with TimeLimit 6",
    build: (seed) =>
      new RecordEpisodeStatistics(
        new DiscretizeAction(makeEnv("Pendulum-v1", { rng: new Rng(seed), maxEpisodeSteps: 6 }), 5),
      ),
    k: 8,
    m: 25,
    minEpisodeEnds: 3,
  },
  {
    name: "TimeLimit(MinAtar Breakout, sticky 0.1, minimal actions)",
    build: (seed) => new TimeLimit(new MinAtarBreakout({ rng: new Rng(seed), minimalActions: true }), 50),
    k: 31,
    m: 120,
    minEpisodeEnds: 2,
  },
];

describe("snapshot/restore reproduces the future exactly", () => {
  for (const c of [...registered, ...wrapped]) {
    it(c.name, () => checkRoundTrip(c));
  }

  it("through the allocation-free stepInPlace path too (CartPole-v1, Breakout)", () => {
    checkRoundTrip(
      registered.find((c) => c.name === "CartPole-v1 (TimeLimit 7)")!,
      true,
    );
    checkRoundTrip(
      registered.find((c) => c.name === "MinAtar/Breakout (as registered)")!,
      true,
    );
  });

  it("MinAtar Breakout with stickyActionProb 0.1: sticky draws and memory resume mid-episode", () => {
    const build = (seed: number): MinAtarBreakout =>
      new MinAtarBreakout({ rng: new Rng(seed), stickyActionProb: 0.1 });
    const a = build(3);
    a.reset();
    // Alternate left/right so a sticky repeat changes the paddle's path.
    const actions = Array.from({ length: 400 }, (_, i) => (i % 4 < 2 ? 1 : 3));
    roll(a, actions.slice(0, 50));
    const snap = structuredClone(a.snapshot());
    expect(snap.layers[0].lastAction).toBe(a.lastAction);
    const expected = roll(a, actions.slice(50));
    expect(expected.some((r) => r[2])).toBe(true); // crosses a termination and a reset
    const b = build(4);
    b.restore(snap);
    expect(roll(b, actions.slice(50))).toEqual(expected);
    // The generator matters: the same physical state with b's own generator diverges.
    const c = build(4);
    c.reset();
    c.setState(snap.state as ReturnType<MinAtarBreakout["getState"]>);
    c.lastAction = snap.layers[0].lastAction as number;
    expect(roll(c, actions.slice(50))).not.toEqual(expected);
  });

  it("the hidden fields matter: getState/setState alone does not resume CartPole-v1 under TimeLimit", () => {
    const build = (seed: number): ResumableEnv =>
      resumable(makeEnv("CartPole-v1", { rng: new Rng(seed), maxEpisodeSteps: 7 }));
    const a = build(1);
    a.reset();
    const actions = actionsFor(a, 40, 5);
    roll(a, actions.slice(0, 4));
    const state = a.getState();
    const expected = roll(a, actions.slice(4));
    const b = build(2);
    b.reset();
    b.setState(state);
    expect(roll(b, actions.slice(4))).not.toEqual(expected);
  });

  it("CartPole-v1 stepped past termination: the 'already terminated' reward rule survives a restore", () => {
    const build = (): ResumableEnv => resumable(makeEnv("CartPole-v1", { maxEpisodeSteps: null }));
    const a = build();
    a.reset({ seed: 0 });
    let steps = 0;
    while (!a.step(1).terminated) steps++;
    expect(steps).toBeLessThan(100);
    const snap = a.snapshot();
    expect(snap.layers[0].terminatedBefore).toBe(true);
    const b = build();
    b.reset({ seed: 1 });
    b.restore(snap);
    const rewards = (env: Env): number[] => [0, 1, 1].map((x) => env.step(x).reward);
    expect(rewards(b)).toEqual([0, 0, 0]);
    expect(rewards(a)).toEqual([0, 0, 0]);
  });

  it("RecordEpisodeStatistics: counters, queues and lastEpisode are restored", () => {
    const build = (seed: number): RecordEpisodeStatistics =>
      new RecordEpisodeStatistics(makeEnv("CartPole-v1", { rng: new Rng(seed), maxEpisodeSteps: 5 }), 3);
    const a = build(1);
    a.reset();
    const actions = actionsFor(a, 50, 9);
    roll(a, actions.slice(0, 12));
    const snap = a.snapshot();
    expect(snap.layers[0]).toMatchObject({ episodeCount: a.episodeCount, returnQueue: a.returnQueue });
    const b = build(2);
    b.restore(structuredClone(snap));
    expect([b.episodeCount, b.returnQueue, b.lengthQueue, b.lastEpisode]).toEqual([
      a.episodeCount,
      a.returnQueue,
      a.lengthQueue,
      a.lastEpisode,
    ]);
    roll(a, actions.slice(12));
    roll(b, actions.slice(12));
    expect([b.episodeCount, b.returnQueue, b.lengthQueue, b.lastEpisode]).toEqual([
      a.episodeCount,
      a.returnQueue,
      a.lengthQueue,
      a.lastEpisode,
    ]);
    expect(a.episodeCount).toBeGreaterThan(5);
  });

  it("reads the layout of DQN checkpoints written before this API (CartPole-v1 under TimeLimit, Breakout)", () => {
    const rng = new Rng(3).getState();
    const cart = resumable(makeEnv("CartPole-v1"));
    cart.restore({
      kind: "env-snapshot",
      id: "CartPole-v1",
      state: [0.01, 0.02, 0.03, 0.04],
      layers: [{ elapsed: 499 }, { rng, terminatedBefore: false, ready: true }],
    });
    expect(cart.step(0).truncated).toBe(true);
    const breakout = new MinAtarBreakout();
    const state = breakout.getState();
    breakout.restore({
      kind: "env-snapshot",
      id: "MinAtar/Breakout-v0",
      state,
      layers: [{ rng, lastAction: 3 }],
    });
    expect(breakout.lastAction).toBe(3);
    expect(breakout.snapshot().layers[0].rng).toEqual(rng);
  });

  it("a snapshot is a copy: mutating it does not touch the env", () => {
    const env = new RecordEpisodeStatistics(makeEnv("CartPole-v1", { maxEpisodeSteps: 2 }));
    env.reset({ seed: 0 });
    roll(env, [0, 1, 0, 1]);
    const snap = env.snapshot();
    const before = structuredClone(snap);
    (snap.layers[0].returnQueue as number[]).push(99);
    (snap.layers[2].rng as { words: number[] }).words[0] = 1;
    (snap.state as number[])[0] = 7;
    expect(env.snapshot()).toEqual(before);
  });

  it("restores the not-yet-reset flag: a snapshot taken before reset() still refuses step()", () => {
    const a = resumable(makeEnv("Pendulum-v1"));
    const snap = a.snapshot();
    expect(snap.layers[1].ready).toBe(false);
    const b = resumable(makeEnv("Pendulum-v1"));
    b.reset({ seed: 1 });
    b.restore(snap);
    expect(() => b.step([0])).toThrow(/call reset\(\)/);
  });
});

describe("bad snapshots: named errors, env unchanged", () => {
  const build = (): ResumableEnv =>
    resumable(new RecordEpisodeStatistics(makeEnv("CartPole-v1", { rng: new Rng(5), maxEpisodeSteps: 20 })));
  type Mutable = { kind: unknown; id: unknown; state: unknown; layers: Record<string, unknown>[] };
  const cases: [string, (s: Mutable) => void, RegExp][] = [
    ["kind", (s) => (s.kind = "checkpoint"), /^CartPole-v1\.restore: snapshot must be an env snapshot/],
    ["id", (s) => (s.id = "Pendulum-v1"), /id is "Pendulum-v1", this env is "CartPole-v1"/],
    ["layer count", (s) => s.layers.pop(), /layers has 2 entries, this env has 3 \(wrapper chain differs\)/],
    [
      "elapsed < 0",
      (s) => (s.layers[1].elapsed = -3),
      /^CartPole-v1\.restore: layers\[1\]\.elapsed must be an integer >= 0, got -3$/,
    ],
    [
      "elapsed non-integer",
      (s) => (s.layers[1].elapsed = 2.5),
      /layers\[1\]\.elapsed must be an integer >= 0, got 2\.5/,
    ],
    ["missing field", (s) => delete s.layers[2].ready, /layers\[2\]\.ready is missing/],
    [
      "unexpected field",
      (s) => (s.layers[1].bogus = 1),
      /layers\[1\]\.bogus is unexpected for this layer \(fields: elapsed\)/,
    ],
    [
      "layer not an object",
      (s) => (s.layers[0] = null as unknown as Record<string, unknown>),
      /layers\[0\] must be an object, got null/,
    ],
    [
      "terminatedBefore",
      (s) => (s.layers[2].terminatedBefore = "no"),
      /layers\[2\]\.terminatedBefore must be a boolean, got "no"/,
    ],
    ["rng not a state", (s) => (s.layers[2].rng = 5), /layers\[2\]\.rng must be an rng state/],
    [
      "rng words",
      (s) => (s.layers[2].rng = { algorithm: "xoroshiro128plus", words: [1, 2, 3.5, 4], spareNormal: null }),
      /layers\[2\]\.rng\.words\[2\] must be an integer in \[-2147483648, 2147483647\], got 3\.5/,
    ],
    [
      "rng all zero",
      (s) => (s.layers[2].rng = { algorithm: "xoroshiro128plus", words: [0, 0, 0, 0], spareNormal: null }),
      /layers\[2\]\.rng\.words must not be all zero/,
    ],
    [
      "queue entry",
      (s) => (s.layers[0].returnQueue = [1, NaN]),
      /layers\[0\]\.returnQueue\[1\] must be a finite number, got NaN/,
    ],
    [
      "queue lengths differ",
      (s) => (s.layers[0].lengthQueue = []),
      /layers\[0\]\.lengthQueue must have as many entries as returnQueue \(\d+\), got 0/,
    ],
    [
      "lastEpisode",
      (s) => (s.layers[0].lastEpisode = { r: 1, l: 0 }),
      /layers\[0\]\.lastEpisode\.l must be an integer >= 1, got 0/,
    ],
    [
      "episodeCount",
      (s) => (s.layers[0].episodeCount = 0),
      /layers\[0\]\.returnQueue has \d+ entries but episodeCount is 0/,
    ],
    [
      "state length",
      (s) => (s.state = [0, 0, 0]),
      /^CartPole-v1\.restore: state: .*state must have 4 entries/,
    ],
    // Valid layers but a bad state: the layers' (changed) fields must not be written either.
    [
      "bad state after valid layers",
      (s) => {
        s.layers[1].elapsed = 19;
        s.state = [0, 0, NaN, 0];
      },
      /state: .*state\[2\] \(theta\) must be a finite number, got NaN/,
    ],
  ];
  for (const [name, mutate, message] of cases) {
    it(name, () => {
      const env = build();
      const twin = build();
      env.reset({ seed: 2 });
      twin.reset({ seed: 2 });
      const actions = actionsFor(env, 40, 3);
      roll(env, actions.slice(0, 27));
      roll(twin, actions.slice(0, 27));
      const snap = structuredClone(env.snapshot()) as unknown as Mutable;
      mutate(snap);
      const before = env.snapshot();
      expect(() => env.restore(snap as unknown as EnvSnapshot)).toThrow(message);
      expect(env.snapshot()).toEqual(before);
      expect(roll(env, actions.slice(27))).toEqual(roll(twin, actions.slice(27)));
    });
  }

  it("Breakout: lastAction outside the raw actions", () => {
    const env = new MinAtarBreakout();
    env.reset({ seed: 1 });
    const snap = structuredClone(env.snapshot()) as unknown as Mutable;
    snap.layers[0].lastAction = 6;
    const before = env.snapshot();
    expect(() => env.restore(snap as unknown as EnvSnapshot)).toThrow(
      /^MinAtar\/Breakout-v0\.restore: layers\[0\]\.lastAction must be an integer in \[0, 5\], got 6$/,
    );
    expect(env.snapshot()).toEqual(before);
  });

  it("a wrapper around an env without snapshot()/restore() says so", () => {
    const inner: Env = {
      id: "Plain",
      observationSpace: new Box([0], [1]),
      actionSpace: new Box([0], [1]),
      reset: () => ({ observation: new Float64Array(1), info: {} }),
      step: () => ({
        observation: new Float64Array(1),
        reward: 0,
        terminated: false,
        truncated: false,
        info: {},
      }),
      getState: () => [],
      setState: () => {},
    };
    expect(isResumable(inner)).toBe(false);
    const env = new Wrapper(inner);
    expect(isResumable(env)).toBe(true);
    expect(() => env.snapshot()).toThrow(/Plain.*does not implement snapshot\(\)\/restore\(\)/);
  });
});

describe("checkEnv checks snapshot/restore", () => {
  /** A TimeLimit that forgets to declare its step counter. */
  class ForgetfulTimeLimit extends TimeLimit {
    protected override layerFields(): LayerFields {
      return {};
    }
  }

  it("passes every built-in env and a wrapped chain", () => {
    expect(checkEnv(makeEnv("CartPole-v1", { maxEpisodeSteps: 5 })).errors).toEqual([]);
    expect(checkEnv(new RecordEpisodeStatistics(new TimeLimit(new MinAtarBreakout(), 6))).errors).toEqual([]);
  });

  it("reports a layer that leaves out a hidden field", () => {
    const env = new ForgetfulTimeLimit(makeEnv("CartPole-v1", { maxEpisodeSteps: null }), 5);
    const report = checkEnv(env, { throwOnError: false });
    expect(report.errors.join("\n")).toMatch(/restore\(snapshot\(\)\) does not reproduce the continuation/);
  });
});
