import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";

/**
 * A full disk, injected into the synchronous writes of the DQN, A2C and low-rank Q runners (their
 * checkpoints, metric rows and manifests are all written synchronously). While `disk.full` is set,
 * a write (writeSync, writeFileSync, appendFileSync) to a file whose path matches `disk.full`
 * stores the first half of its bytes and then fails with ENOSPC. `disk.trigger` fills the disk at a
 * fixed point of the run: right after the checkpoint file named `after` is renamed into place,
 * so which write meets the full disk first does not depend on timing.
 */
const disk = vi.hoisted(() => ({
  full: null as RegExp | null,
  trigger: null as { after: string; full: RegExp } | null,
  /** The path each file descriptor was opened for (writeSync gets only the descriptor; a reused one is overwritten). */
  fds: new Map<number, string>(),
}));

function enospc(): Error {
  return Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
}

function half(data: unknown): Buffer {
  const b = typeof data === "string" ? Buffer.from(data, "utf8") : Buffer.from(data as Uint8Array);
  return b.subarray(0, Math.floor(b.byteLength / 2));
}

const refused = (path: unknown): boolean => disk.full !== null && disk.full.test(String(path));

vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  return {
    ...fs,
    openSync: ((path: string, ...rest: unknown[]) => {
      const fd = (fs.openSync as (...a: unknown[]) => number)(path, ...rest);
      disk.fds.set(fd, String(path));
      return fd;
    }) as typeof fs.openSync,
    writeSync: ((fd: number, data: unknown, ...rest: unknown[]) => {
      if (refused(disk.fds.get(fd))) {
        // Keep the caller's file position: writeSync(fd, string, position) or (fd, buf, off, len, position).
        const position = (typeof data === "string" ? rest[0] : rest[2]) as number | null | undefined;
        const part = half(data);
        fs.writeSync(fd, part, 0, part.byteLength, position ?? null);
        throw enospc();
      }
      return (fs.writeSync as (...a: unknown[]) => number)(fd, data, ...rest);
    }) as typeof fs.writeSync,
    writeFileSync: ((path: string, data: unknown, ...rest: unknown[]) => {
      if (refused(path)) {
        fs.writeFileSync(path, half(data));
        throw enospc();
      }
      return (fs.writeFileSync as (...a: unknown[]) => void)(path, data, ...rest);
    }) as typeof fs.writeFileSync,
    appendFileSync: ((path: string, data: unknown, ...rest: unknown[]) => {
      if (refused(path)) {
        fs.appendFileSync(path, half(data));
        throw enospc();
      }
      return (fs.appendFileSync as (...a: unknown[]) => void)(path, data, ...rest);
    }) as typeof fs.appendFileSync,
    renameSync: ((from: string, to: string) => {
      fs.renameSync(from, to);
      if (disk.trigger !== null && String(to).endsWith(disk.trigger.after)) {
        disk.full = disk.trigger.full;
        disk.trigger = null;
      }
    }) as typeof fs.renameSync,
  };
});

const { executeRun, resumeRun } = await import("../../src/runner/run.js");
const { executeA2cRun, resumeA2cRun } = await import("../../src/runner/a2c-run.js");
const { listCheckpoints, readCheckpointFile } = await import("../../src/runner/checkpoint.js");
const { readManifest } = await import("../../src/runner/manifest.js");
const { METRIC, readMetrics } = await import("../../src/runner/metrics.js");
type MetricRow = import("../../src/runner/metrics.js").MetricRow;
type RunResult = import("../../src/runner/run.js").RunResult;

/** The runner's entries (a2c runs have their own; the CLI dispatches them). */
function start(config: Record<string, unknown>, dir: string): Promise<RunResult> {
  return config.algo === "a2c" ? executeA2cRun(config, { dir }) : executeRun(config, { dir });
}
function resume(dir: string, warn: (m: string) => void): Promise<RunResult> {
  return readManifest(dir).algo === "a2c" ? resumeA2cRun(dir, { warn }) : resumeRun(dir, { warn });
}

/** Every file of the checkpoint folder: a checkpoint whose write failed is never there. */
const CHECKPOINT_FILES = /[/\\]checkpoints[/\\]/;
/** Every file: the disk has no byte left. */
const EVERY_FILE = /./;

const roots: string[] = [];
function tmp(): string {
  const dir = mkdtempSync(join(tmpdir(), "disk-full-runs-"));
  roots.push(dir);
  return dir;
}
afterEach(() => {
  disk.full = null;
  disk.trigger = null;
});
afterAll(() => {
  for (const dir of roots) rmSync(dir, { recursive: true, force: true });
});

/** Every logged number except wall-clock SPS. */
function deterministicRows(rows: MetricRow[]): MetricRow[] {
  return rows.map((r) => {
    const rest = { ...r };
    delete rest[METRIC.sps];
    return rest;
  });
}

/** Runs `config` in a new folder with the disk filled at `trigger`; returns the folder and the rejection. */
async function runUntilFull(
  config: Record<string, unknown>,
  trigger: { after: string; full: RegExp } | null,
  full: RegExp | null = null,
): Promise<{ dir: string; error: Error }> {
  const dir = join(tmp(), "run");
  disk.trigger = trigger;
  disk.full = full;
  const error = await Promise.resolve()
    .then(() => start(config, dir))
    .then(
      (r: RunResult) => new Error(`the run ended "${r.status}" on a full disk`),
      (err: unknown) => err as Error,
    );
  disk.full = null;
  disk.trigger = null;
  return { dir, error };
}

/** The checkpoint files left in `dir`, each read back (header checksum verified). */
function intactCheckpoints(dir: string): string[] {
  const ckptDir = join(dir, "checkpoints");
  const names = listCheckpoints(ckptDir).map((c) => c.name);
  for (const name of names) readCheckpointFile(join(ckptDir, name));
  expect(readdirSync(ckptDir).filter((f) => f.includes(".tmp-"))).toEqual([]);
  return names;
}

/** Resumes `dir` with the disk freed and checks it ends exactly as the uninterrupted `reference`. */
async function resumesToReference(dir: string, reference: string): Promise<void> {
  const warnings: string[] = [];
  const resumed = await resume(dir, (m) => warnings.push(m));
  expect(resumed.status).toBe("completed");
  expect(deterministicRows(readMetrics(dir))).toEqual(deterministicRows(readMetrics(reference)));
  expect(readFileSync(join(dir, "final_params.json"), "utf8")).toBe(
    readFileSync(join(reference, "final_params.json"), "utf8"),
  );
  expect(readManifest(dir)).toMatchObject({ status: "completed" });
}

const DQN = {
  algo: "dqn",
  env: "CartPole-v1",
  seed: 4,
  totalSteps: 600,
  learningStarts: 100,
  logEvery: 100,
  evalEvery: 0,
  evalEpisodes: 2,
  checkpointEvery: 200,
  spectrumEvery: 0,
  tensorboard: false,
} as const;

const A2C = {
  algo: "a2c",
  env: "CartPole-v1",
  seed: 3,
  optimizer: "kfac",
  totalSteps: 2400,
  evalEvery: 0,
  evalEpisodes: 2,
  checkpointEvery: 800,
  tensorboard: false,
} as const;

const LRQ = {
  algo: "lrq",
  env: "Pendulum-v1",
  seed: 5,
  totalSteps: 3000,
  buckets: 7,
  qModel: "cp",
  rank: 3,
  tdTarget: "sarsa",
  nStep: 2,
  behaviour: "softmax",
  temperature: 0.5,
  optimizer: "adam",
  lr: 0.01,
  evalEvery: 0,
  evalEpisodes: 2,
  checkpointEvery: 1000,
  tensorboard: false,
} as const;

/** One line: `<file>: not written: ENOSPC; <what that write kept>; <the kept checkpoint>; <how to go on>`. */
function keptMessage(file: RegExp, counter: string, kept: number, dir: string): RegExp {
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(
    `^${file.source}: not written: no space left on device \\(ENOSPC\\); [^\\n]*; the last checkpoint before it \\(${counter} ${kept}\\) is kept; free space, then \`lowrank-rl resume ${esc(dir)}\`$`,
  );
}

describe("a nearly full disk (the checkpoint no longer fits) stops DQN, A2C and low-rank Q runs with the kept checkpoint named", () => {
  const cases = [
    ["DQN CartPole", DQN, "ckpt-000000200.bin", /.*ckpt-000000400\.bin/, "frame", 200],
    ["A2C (ACKTR) CartPole", A2C, "ckpt-000000800.json", /.*ckpt-000001600\.json/, "frame", 800],
    ["low-rank Q Pendulum", LRQ, "ckpt-000001000.json", /.*ckpt-000002000\.json/, "step", 1000],
  ] as const;
  for (const [name, config, after, failed, counter, kept] of cases) {
    it(`${name}: one line, the manifest "failed" with it, checkpoints intact; resume matches an uninterrupted run`, async () => {
      const reference = join(tmp(), "reference");
      expect((await start(config, reference)).status).toBe("completed");
      const { dir, error } = await runUntilFull(config, { after, full: CHECKPOINT_FILES });

      expect(error.message).not.toContain("\n");
      expect(error.message).toMatch(keptMessage(failed, counter, kept, dir));
      expect(error.message).toContain("any previous version of it is kept unchanged");
      const manifest = readManifest(dir);
      expect(manifest.status).toBe("failed");
      expect(manifest.message).toBe(error.message);
      expect(intactCheckpoints(dir).at(-1)).toBe(after);

      await resumesToReference(dir, reference);
    }, 60_000);
  }
});

describe("a disk with no byte left", () => {
  it("A2C: the first write after the checkpoint is a metric row; the old manifest stays whole; resume matches", async () => {
    const reference = join(tmp(), "reference");
    await start(A2C, reference);
    const { dir, error } = await runUntilFull(A2C, { after: "ckpt-000000800.json", full: EVERY_FILE });
    expect(error.message).not.toContain("\n");
    // Every update logs a row before the next checkpoint flushes them: the metric append fails first.
    expect(error.message).toMatch(keptMessage(/.*metrics\.jsonl/, "frame", 800, dir));
    expect(error.message).toMatch(/; row (\d+) was not appended; the \d+ rows before it are kept;/);
    // The manifest could not be rewritten: the running one is whole and resume accepts it.
    expect(readManifest(dir).status).toBe("running");
    expect(intactCheckpoints(dir).at(-1)).toBe("ckpt-000000800.json");
    await resumesToReference(dir, reference);
  }, 60_000);

  it("before the first checkpoint: the run says it must restart, and resume restarts it (low-rank Q)", async () => {
    const reference = join(tmp(), "reference");
    await start(LRQ, reference);
    const { dir, error } = await runUntilFull(LRQ, null, CHECKPOINT_FILES);
    expect(error.message).not.toContain("\n");
    expect(error.message).toMatch(
      /ckpt-000001000\.json: not written: no space left on device \(ENOSPC\); any previous version of it is kept unchanged; no checkpoint yet: the run must restart; free space, then `lowrank-rl resume .*` starts it again from step 0$/,
    );
    expect(readManifest(dir)).toMatchObject({ status: "failed", message: error.message });
    expect(intactCheckpoints(dir)).toEqual([]);
    await resumesToReference(dir, reference);
  }, 60_000);

  it("DQN before its first checkpoint: it must restart from its config (DQN's resume needs a checkpoint)", async () => {
    const { error } = await runUntilFull(DQN, null, CHECKPOINT_FILES);
    expect(error.message).toMatch(
      /ckpt-000000200\.bin: not written: .*; no checkpoint yet: the run must restart; free space, then start it again with `lowrank-rl run` and its config$/,
    );
  }, 60_000);
});

describe("a diverged low-rank Q run names the finite checkpoint it keeps", () => {
  it("plain SGD too large for the CP product: the newest checkpoint is named and its factors are finite", async () => {
    const dir = join(tmp(), "run");
    const r = await start({ ...LRQ, optimizer: "sgd", lr: 0.001, checkpointEvery: 200 }, dir);
    expect(r.status).toBe("diverged");
    const newest = listCheckpoints(join(dir, "checkpoints")).at(-1)!;
    expect(r.message).toMatch(
      new RegExp(
        `^diverged at episode \\d+ \\(global step \\d+\\): .*; the last checkpoint before it \\(step ${newest.episode}\\) is kept; lower the learning rate and start a new run$`,
      ),
    );
    expect(readManifest(dir)).toMatchObject({ status: "diverged", message: r.message });
    const { payload } = readCheckpointFile<{ params: Record<string, number[][]> }>(
      join(dir, "checkpoints", newest.name),
    );
    expect(Object.values(payload.params).flat(2).every(Number.isFinite)).toBe(true);
  }, 60_000);
});
