import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { listCheckpoints } from "../../src/runner/checkpoint.js";
import { executeDqnRun } from "../../src/runner/dqn-run.js";
import { readManifest, writeManifest } from "../../src/runner/manifest.js";
import { MetricsWriter, readMetrics, type MetricRow } from "../../src/runner/metrics.js";
import { executeRun, resumeRun, runJobId } from "../../src/runner/run.js";
import { parseRunConfig } from "../../src/runner/config.js";
import {
  crc32c,
  decodeEvent,
  encodeEvent,
  EVENT_FILE_VERSION,
  listEventFiles,
  maskedCrc32c,
  readEventFile,
  readRecords,
  TENSORBOARD_DIR,
  type TensorBoardEvent,
} from "../../src/runner/tensorboard.js";
import { rowScalars } from "../../src/runner/tensorboard-metrics.js";
import { linearFactory } from "./fake-agent.js";
import { GOLDEN_DIR, GOLDEN_ROWS, GOLDEN_START, writeGoldenInput } from "./tensorboard-golden.js";

const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));

/** The only event file of a run, decoded. */
function runEvents(dir: string): TensorBoardEvent[] {
  const files = listEventFiles(join(dir, TENSORBOARD_DIR));
  expect(files).toHaveLength(1);
  return readEventFile(join(dir, TENSORBOARD_DIR, files[0]));
}

/** Steps and scalars of the events after the version marker (wall times left out). */
const scalarsOf = (events: TensorBoardEvent[]) =>
  events.slice(1).map((e) => ({ step: e.step ?? 0, scalars: e.scalars }));

/** What a row's events should hold: its slash-named numbers in float32, at its global step. */
const expectedOf = (rows: MetricRow[], drop: string[] = []) =>
  rows.map((r) => ({
    step: r.global_step as number,
    scalars: rowScalars(r)
      .filter((s) => !drop.includes(s.tag))
      .map((s) => ({ tag: s.tag, value: Math.fround(s.value) })),
  }));

const dropTags = (events: ReturnType<typeof scalarsOf>, drop: string[]) =>
  events.map((e) => ({ step: e.step, scalars: e.scalars?.filter((s) => !drop.includes(s.tag)) }));

describe("TFRecord framing and Event encoding", () => {
  it("CRC-32C matches the standard check value, and the mask is TFRecord's", () => {
    expect(crc32c(Buffer.from("123456789"))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa); // RFC 3720 B.4: 32 bytes of zeros
    // The length record of the 24-byte file_version event every TensorFlow event file starts with.
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(24n);
    expect(maskedCrc32c(len)).toBe(0x224b7fa3);
  });

  it("CRC-32C, eight bytes a step, equals the bit-at-a-time definition on any bytes and range", () => {
    /** The polynomial division one bit at a time (reflected 0x82F63B78, init and final xor all ones). */
    const bitwise = (b: Uint8Array, from: number, to: number): number => {
      let c = 0xffffffff;
      for (let i = from; i < to; i++) {
        c ^= b[i];
        for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
      }
      return (c ^ 0xffffffff) >>> 0;
    };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.nat(), fc.nat(), (bytes, a, b) => {
        const from = bytes.length === 0 ? 0 : a % (bytes.length + 1);
        const to = from + (b % (bytes.length - from + 1));
        expect(crc32c(bytes, from, to)).toBe(bitwise(bytes, from, to));
      }),
      { numRuns: 300 },
    );
  });

  it("a golden event file for a fixed input pins the bytes and the file name", () => {
    const path = writeGoldenInput(tmp("tb-golden-"));
    const golden = readdirSync(GOLDEN_DIR).filter((f) => f.startsWith("events.out.tfevents."));
    expect(golden).toEqual([basename(path)]);
    expect(basename(path)).toBe(`events.out.tfevents.${Math.floor(GOLDEN_START)}.golden-host`);
    expect(readFileSync(path).equals(readFileSync(join(GOLDEN_DIR, golden[0])))).toBe(true);
    const events = readEventFile(path);
    expect(events[0]).toEqual({ wallTime: GOLDEN_START, fileVersion: EVENT_FILE_VERSION });
    expect(events.slice(1)).toEqual(
      GOLDEN_ROWS.map((r) => ({
        wallTime: r.wallTime,
        ...(r.step !== 0 ? { step: r.step } : {}),
        scalars: r.scalars.map((s) => ({ tag: s.tag, value: Math.fround(s.value) })),
      })),
    );
  });

  it("decodes what it encodes; a flipped byte or a cut record is refused", () => {
    const e = { wallTime: 12.5, step: 7, scalars: [{ tag: "a/b", value: 1.5 }] };
    expect(decodeEvent(encodeEvent(e))).toEqual(e);
    const bytes = readFileSync(writeGoldenInput(tmp("tb-bad-")));
    const flipped = Buffer.from(bytes);
    flipped[20] ^= 1;
    expect(() => readRecords(flipped)).toThrow(/bad data CRC/);
    const lenFlip = Buffer.from(bytes);
    lenFlip[0] ^= 1;
    expect(() => readRecords(lenFlip)).toThrow(/bad length CRC/);
    expect(() => readRecords(bytes.subarray(0, bytes.length - 1))).toThrow(/cut off/);
  });
});

describe("MetricsWriter's TensorBoard mirror", () => {
  const row = (i: number): MetricRow => ({
    episode: i,
    global_step: 10 * i,
    "charts/episodic_return": i / 3,
    "losses/actor": null,
  });

  it("one event per row at its global step; resume cuts the file back to the checkpoint", () => {
    const dir = tmp("tb-metrics-");
    const w = MetricsWriter.create(dir, undefined, { tensorboard: true });
    for (let i = 1; i <= 3; i++) w.write(row(i));
    const offset = w.getOffset();
    expect(offset.tensorboard?.file).toMatch(/^events\.out\.tfevents\.\d+\./);
    for (let i = 4; i <= 5; i++) w.write(row(i)); // rows after the checkpoint: a crash loses them
    w.close();
    const r = MetricsWriter.resume(dir, offset, undefined, { tensorboard: true });
    for (let i = 4; i <= 6; i++) r.write(row(i));
    r.close();
    const events = runEvents(dir);
    expect(events[0].fileVersion).toBe(EVENT_FILE_VERSION);
    expect(scalarsOf(events)).toEqual(expectedOf([1, 2, 3, 4, 5, 6].map(row)));
  });

  it("rewrites the event file from the kept rows when the checkpoint's file is gone, or predates event files", () => {
    for (const damage of ["delete", "old-checkpoint", "corrupt"] as const) {
      const dir = tmp("tb-rebuild-");
      const w = MetricsWriter.create(dir, undefined, { tensorboard: true });
      for (let i = 1; i <= 3; i++) w.write(row(i));
      const offset = w.getOffset();
      w.write(row(4));
      w.close();
      const tbDir = join(dir, TENSORBOARD_DIR);
      if (damage === "delete") rmSync(join(tbDir, offset.tensorboard!.file));
      if (damage === "old-checkpoint") delete offset.tensorboard;
      if (damage === "corrupt") {
        const path = join(tbDir, offset.tensorboard!.file);
        const b = readFileSync(path);
        b[30] ^= 0xff;
        writeFileSync(path, b);
      }
      const r = MetricsWriter.resume(dir, offset, undefined, { tensorboard: true });
      r.write(row(4));
      r.close();
      expect(scalarsOf(runEvents(dir)), damage).toEqual(expectedOf([1, 2, 3, 4].map(row)));
    }
  });

  it("a fresh writer replaces the folder's older event files; without the option no tb/ folder", () => {
    const dir = tmp("tb-fresh-");
    MetricsWriter.create(dir, undefined, { tensorboard: { now: () => 1, host: "h" } }).close();
    MetricsWriter.create(dir, undefined, { tensorboard: { now: () => 2, host: "h" } }).close();
    expect(listEventFiles(join(dir, TENSORBOARD_DIR))).toEqual(["events.out.tfevents.2.h"]);
    const plain = tmp("tb-none-");
    MetricsWriter.create(plain).close();
    expect(existsSync(join(plain, TENSORBOARD_DIR))).toBe(false);
  });
});

describe("runs write TensorBoard scalars", () => {
  const base = {
    env: "LRPG/Pendulum",
    algo: "lrpg",
    episodes: 40,
    checkpointEvery: 10,
    checkpointMinSeconds: 0,
    keepCheckpoints: 10,
    snapshotEvery: 0,
  } as const;

  it("a policy-gradient run: one event per metric row with the CleanRL names; a crash and resume leave no duplicates", async () => {
    const full = await executeRun({ ...base, seed: 2 }, { dir: tmp("tb-run-"), agentFactory: linearFactory });
    const rows = readMetrics(full.dir);
    const events = runEvents(full.dir);
    expect(events).toHaveLength(rows.length + 1);
    expect(new Set(events.slice(1).flatMap((e) => e.scalars!.map((s) => s.tag)))).toEqual(
      new Set([
        "charts/episodic_return",
        "charts/episodic_length",
        "charts/SPS",
        "losses/actor",
        "losses/critic",
        "charts/learning_rate_actor",
        "charts/learning_rate_critic",
      ]),
    );
    expect(scalarsOf(events)).toEqual(expectedOf(rows));

    // A crash after episode 40 with checkpoints up to 20 surviving: resume cuts metrics and events back to 20.
    const crashed = await executeRun(
      { ...base, seed: 2 },
      { dir: tmp("tb-crash-"), agentFactory: linearFactory },
    );
    const ckptDir = join(crashed.dir, "checkpoints");
    for (const c of listCheckpoints(ckptDir)) if (c.episode > 20) rmSync(join(ckptDir, c.name));
    writeManifest(crashed.dir, { ...readManifest(crashed.dir), status: "running" });
    const resumed = await resumeRun(crashed.dir, { agentFactory: linearFactory });
    expect(resumed.status).toBe("completed");
    const again = runEvents(crashed.dir);
    expect(again).toHaveLength(rows.length + 1);
    const sps = ["charts/SPS"];
    expect(dropTags(scalarsOf(again), sps)).toEqual(dropTags(scalarsOf(events), sps));
    // Steps never go back: each global step appears once.
    const steps = again.slice(1).map((e) => e.step);
    expect(new Set(steps).size).toBe(steps.length);
  });

  it("tensorboard: false writes no event file and keeps the job id", async () => {
    const r = await executeRun(
      { ...base, episodes: 5, seed: 1, tensorboard: false },
      { dir: tmp("tb-off-"), agentFactory: linearFactory },
    );
    expect(existsSync(join(r.dir, TENSORBOARD_DIR))).toBe(false);
    expect(readManifest(r.dir).config).toMatchObject({ tensorboard: false });
    expect(runJobId(parseRunConfig({ ...base, seed: 1, tensorboard: false }))).toBe(
      runJobId(parseRunConfig({ ...base, seed: 1 })),
    );
    expect(parseRunConfig({ ...base, seed: 1 })).not.toHaveProperty("tensorboard");
    expect(() => parseRunConfig({ tensorboard: "yes" })).toThrow(
      /config\.tensorboard = "yes": must be true or false/,
    );
  });

  it("a DQN run: episodes, losses and evaluations at their frames", () => {
    const r = executeDqnRun(
      {
        algo: "dqn",
        env: "CartPole-v1",
        seed: 0,
        totalSteps: 400,
        learningStarts: 100,
        logEvery: 100,
        evalEvery: 200,
        evalEpisodes: 2,
        checkpointEvery: 0,
        spectrumEvery: 0,
      },
      { dir: tmp("tb-dqn-") },
    );
    const rows = readMetrics(r.dir);
    const events = runEvents(r.dir);
    expect(scalarsOf(events)).toEqual(expectedOf(rows));
    const tags = new Set(events.slice(1).flatMap((e) => e.scalars!.map((s) => s.tag)));
    for (const t of ["charts/episodic_return", "charts/epsilon", "losses/td_loss", "eval/episodic_return"])
      expect(tags.has(t)).toBe(true);
  });
});
