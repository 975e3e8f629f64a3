import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DqnAgent } from "../../src/dqn/agent.js";
import { captureEnv, restoreEnv } from "../../src/dqn/env-snapshot.js";
import { mlpQNetwork } from "../../src/dqn/networks.js";
import {
  trainDqn,
  type DqnTrainState,
  type EpisodeRecord,
  type EvalRecord,
  type TrainLogRecord,
} from "../../src/dqn/train.js";
import type { Env } from "../../src/envs/env.js";
import { MinAtarBreakout } from "../../src/envs/minatar-breakout.js";
import { makeEnv } from "../../src/envs/registry.js";
import { CorruptCheckpointError, readCheckpointFile, saveCheckpoint } from "../../src/runner/checkpoint.js";
import { Rng } from "../../src/random/rng.js";

const TOTAL = 700;
const CUT = 350;

const cartPole = (rng: Rng, maxEpisodeSteps = 500) =>
  makeEnv("CartPole-v1", { maxEpisodeSteps, rng }) as Env<unknown, number>;
const agentFor = (hidden = [8]) =>
  new DqnAgent({
    makeNetwork: () => mlpQNetwork({ observationSize: 4, numActions: 2, hidden, rng: new Rng(3) }),
    config: {
      bufferSize: 400,
      batchSize: 8,
      learningStarts: 50,
      targetUpdateInterval: 25,
      epsilonDecayFrames: 300,
    },
  });

interface Trace {
  episodes: EpisodeRecord[];
  logs: Omit<TrainLogRecord, "sps">[];
  evals: EvalRecord[];
  params: number[][];
  frames: number;
  updates: number;
}

/** One run from scratch (resume undefined) or from a state; records everything it reports. */
function run(resume?: DqnTrainState, onCheckpoint?: (s: DqnTrainState) => void, hidden = [8]): Trace {
  const agent = agentFor(hidden);
  const t: Trace = { episodes: [], logs: [], evals: [], params: [], frames: 0, updates: 0 };
  const res = trainDqn({
    env: cartPole(new Rng(11)),
    agent,
    totalFrames: TOTAL,
    rng: new Rng(5),
    envSeed: 9,
    logInterval: 100,
    evaluation: { env: cartPole(new Rng(0)), seeds: [1, 2], epsilon: 0.05, interval: 200, maxSteps: 100 },
    onEpisode: (e) => t.episodes.push(e),
    onLog: ({ sps: _sps, ...rest }) => t.logs.push(rest),
    onEval: (e) => t.evals.push(e),
    resume,
    checkpoint: onCheckpoint ? { everyFrames: CUT, save: onCheckpoint } : undefined,
  });
  t.params = agent.network.parameters.map((p) => Array.from(p.data));
  t.frames = res.frames;
  t.updates = res.updates;
  expect(res.evaluations.map((e) => e.frame)).toEqual([200, 400, 600]);
  return t;
}

const dir = mkdtempSync(join(tmpdir(), "dqn-ckpt-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let saved: DqnTrainState | null = null;
const full = run(undefined, (s) => (saved = s));
const identity = { experiment: "test", variant: "dense", seed: 5, hidden: [8] };
let file = "";
type Payload = { identity: typeof identity; train: DqnTrainState; note: number };

describe("trainDqn checkpoint and resume", () => {
  it("hands out a mid-episode state at the checkpoint frame", () => {
    expect(saved).not.toBeNull();
    const s = saved as unknown as DqnTrainState;
    expect(s.loop.frame).toBe(CUT);
    expect(s.loop.episodeLength).toBeGreaterThan(0); // the cut falls inside an episode
    expect(s.loop.episodes).toBe(full.episodes.filter((e) => e.frame <= CUT).length);
    expect(s.agent.replay.size).toBe(CUT);
  });

  it("resuming from the file continues bit-identically (parameters, episodes, logs, evaluations)", () => {
    // The runner's checkpoint format with a v8 payload (typed arrays stay typed arrays).
    file = saveCheckpoint(dir, CUT, { identity, train: saved, note: 1 }, 1, "v8");
    expect(file).toMatch(/ckpt-000000350\.bin$/);
    const back = readCheckpointFile<Payload>(file);
    expect(back.episode).toBe(CUT);
    expect(back.payload.note).toBe(1);
    expect(back.payload.train.agent.replay.observations).toBeInstanceOf(Float64Array);
    const resumed = run(back.payload.train);
    expect(resumed.params).toEqual(full.params);
    expect(resumed.updates).toBe(full.updates);
    expect(resumed.frames).toBe(TOTAL);
    expect(resumed.episodes).toEqual(full.episodes.filter((e) => e.frame > CUT));
    expect(resumed.logs).toEqual(full.logs.filter((l) => l.frame > CUT));
    expect(resumed.evals).toEqual(full.evals.filter((e) => e.frame > CUT));
  });

  it("a truncated, altered or foreign file gives a CorruptCheckpointError naming the defect", () => {
    const bytes = readFileSync(file);
    const at = (name: string, data: Uint8Array): string => {
      const p = join(dir, name);
      writeFileSync(p, data);
      return p;
    };
    expect(() => readCheckpointFile(at("short.bin", bytes.subarray(0, bytes.length - 100)))).toThrow(
      /truncated or padded: payload is \d+ bytes, header says \d+/,
    );
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 10] ^= 0xff;
    expect(() => readCheckpointFile(at("flip.bin", flipped))).toThrow(/checksum mismatch/);
    expect(() => readCheckpointFile(at("foreign.bin", Buffer.from('{"format":"other"}\n{}')))).toThrow(
      /not a lowrank-rl checkpoint/,
    );
    expect(() => readCheckpointFile(at("empty.bin", new Uint8Array(0)))).toThrow(CorruptCheckpointError);
    expect(() => readCheckpointFile(join(dir, "missing.bin"))).toThrow(/unreadable or truncated/);
    // The good file is untouched by the failed reads.
    expect(readFileSync(file).equals(bytes)).toBe(true);
  });

  it("a state restored into another network is refused naming the parameter", () => {
    // The runner compares the run setup first (test/runner/dqn-run.test.ts); the agent validates too.
    const state = readCheckpointFile<Payload>(file).payload.train;
    expect(() => run(state, undefined, [16])).toThrow(/has shape \[.*\], expected \[/);
  });

  it("bad loop fields (NaN observation, frame past the end) are named", () => {
    const s = saved as unknown as DqnTrainState;
    const obs = Float64Array.from(s.loop.observation);
    obs[2] = Number.NaN;
    expect(() => run({ ...s, loop: { ...s.loop, observation: obs } })).toThrow(
      /resume.loop.observation\[2\] must be finite, got NaN/,
    );
    expect(() => run({ ...s, loop: { ...s.loop, frame: TOTAL + 1 } })).toThrow(
      /resume.loop.frame must be an integer in \[0, 700\], got 701/,
    );
  });

  it("everySeconds saves on wall time (a tiny interval: after every frame but the last); bad intervals are named", () => {
    const frames: number[] = [];
    trainDqn({
      env: cartPole(new Rng(1)),
      agent: agentFor(),
      totalFrames: 30,
      rng: new Rng(2),
      envSeed: 3,
      checkpoint: { everySeconds: 1e-12, save: (st) => frames.push(st.loop.frame) },
    });
    expect(frames).toEqual(Array.from({ length: 29 }, (_, i) => i + 1));
    const bad = (checkpoint: { everyFrames?: number; everySeconds?: number }) => () =>
      trainDqn({
        env: cartPole(new Rng(1)),
        agent: agentFor(),
        totalFrames: 30,
        rng: new Rng(2),
        envSeed: 3,
        checkpoint: { ...checkpoint, save: () => {} },
      });
    expect(bad({ everyFrames: 0 })).toThrow(/checkpoint.everyFrames must be an integer >= 1, got 0/);
    expect(bad({ everySeconds: Number.NaN })).toThrow(
      /checkpoint.everySeconds must be a finite number > 0, got NaN/,
    );
    expect(bad({})).toThrow(/needs everyFrames and\/or everySeconds/);
  });
});

describe("env snapshots", () => {
  const roll = (env: Env<unknown, number>, actions: number[]) =>
    actions.map((a) => {
      const r = env.step(a);
      if (r.terminated || r.truncated) env.reset();
      return [...r.observation, r.reward, Number(r.terminated), Number(r.truncated)];
    });

  it("MinAtar Breakout: sticky-action generator and memory are restored", () => {
    const actions = Array.from({ length: 300 }, (_, i) => (i * 7) % 6);
    const a = new MinAtarBreakout({ stickyActionProb: 0.3 });
    a.reset({ seed: 4 });
    roll(a, actions.slice(0, 40));
    const snap = structuredClone(captureEnv(a));
    const expected = roll(a, actions);
    const b = new MinAtarBreakout({ stickyActionProb: 0.3 });
    b.reset({ seed: 99 });
    restoreEnv(b, snap);
    expect(roll(b, actions)).toEqual(expected);
  });

  it("CartPole under TimeLimit: the step counter and the generator are restored", () => {
    const actions = Array.from({ length: 200 }, (_, i) => i % 2);
    const a = cartPole(new Rng(1), 15);
    a.reset({ seed: 2 });
    roll(a, actions.slice(0, 10));
    const snap = structuredClone(captureEnv(a));
    const expected = roll(a, actions);
    const b = cartPole(new Rng(7), 15);
    restoreEnv(b, snap);
    expect(roll(b, actions)).toEqual(expected);
    expect(() =>
      restoreEnv(makeEnv("CartPole-v1", { maxEpisodeSteps: null }) as Env<unknown, number>, snap),
    ).toThrow(/env.layers has 2 entries, this env has 1/);
    const bad = structuredClone(snap) as unknown as { layers: Record<string, unknown>[] };
    bad.layers[0].elapsed = -3;
    expect(() => restoreEnv(b, bad as unknown as typeof snap, "resume")).toThrow(
      /^resume: env\.layers\[0\]\.elapsed must be an integer >= 0, got -3$/,
    );
  });
});
