import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";

/**
 * A full disk, injected: while `disk.sync` is set, synchronous writes (writeSync, writeFileSync,
 * appendFileSync) store the first half of their bytes and then fail with ENOSPC; while
 * `disk.async` is set, so do FileHandle.writeFile calls (the background checkpoint writes).
 */
const disk = vi.hoisted(() => ({
  sync: false,
  async: false,
  /** Fill the disk (`fill`) as soon as a file whose path ends in `after` has been renamed into place. */
  trigger: null as { after: string; fill: "sync" | "async" } | null,
}));

function enospc(): Error {
  return Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
}

function half(data: unknown): Buffer {
  const b = typeof data === "string" ? Buffer.from(data, "utf8") : Buffer.from(data as Uint8Array);
  return b.subarray(0, Math.floor(b.byteLength / 2));
}

vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  return {
    ...fs,
    writeSync: ((fd: number, data: unknown, ...rest: unknown[]) => {
      if (disk.sync) {
        // Keep the caller's file position: writeSync(fd, string, position) or (fd, buf, off, len, position).
        const position = (typeof data === "string" ? rest[0] : rest[2]) as number | null | undefined;
        const part = half(data);
        fs.writeSync(fd, part, 0, part.byteLength, position ?? null);
        throw enospc();
      }
      return (fs.writeSync as (...a: unknown[]) => number)(fd, data, ...rest);
    }) as typeof fs.writeSync,
    writeFileSync: ((path: string, data: unknown, ...rest: unknown[]) => {
      if (disk.sync) {
        fs.writeFileSync(path, half(data));
        throw enospc();
      }
      return (fs.writeFileSync as (...a: unknown[]) => void)(path, data, ...rest);
    }) as typeof fs.writeFileSync,
    appendFileSync: ((path: string, data: unknown, ...rest: unknown[]) => {
      if (disk.sync) {
        fs.appendFileSync(path, half(data));
        throw enospc();
      }
      return (fs.appendFileSync as (...a: unknown[]) => void)(path, data, ...rest);
    }) as typeof fs.appendFileSync,
  };
});

vi.mock("node:fs/promises", async (importOriginal) => {
  const fsp = await importOriginal<typeof import("node:fs/promises")>();
  return {
    ...fsp,
    open: (async (...args: Parameters<typeof fsp.open>) => {
      const fh = await fsp.open(...args);
      const writeFile = fh.writeFile.bind(fh);
      fh.writeFile = (async (data: unknown) => {
        if (disk.async) {
          await writeFile(half(data));
          throw enospc();
        }
        return writeFile(data as Uint8Array);
      }) as typeof fh.writeFile;
      return fh;
    }) as typeof fsp.open,
    rename: (async (from: string, to: string) => {
      await fsp.rename(from, to);
      if (disk.trigger !== null && to.endsWith(disk.trigger.after)) {
        disk[disk.trigger.fill] = true;
        disk.trigger = null;
      }
    }) as typeof fsp.rename,
  };
});

const { executeRun, resumeRun } = await import("../../src/runner/run.js");
const { saveCheckpoint, listCheckpoints } = await import("../../src/runner/checkpoint.js");
const { readManifest } = await import("../../src/runner/manifest.js");
const { METRIC, MetricsWriter, readMetrics } = await import("../../src/runner/metrics.js");
const { linearFactory } = await import("./fake-agent.js");
type MetricRow = import("../../src/runner/metrics.js").MetricRow;

const roots: string[] = [];
function tmp(): string {
  const dir = mkdtempSync(join(tmpdir(), "disk-full-"));
  roots.push(dir);
  return dir;
}
afterEach(() => {
  disk.sync = false;
  disk.async = false;
});
afterAll(() => {
  for (const dir of roots) rmSync(dir, { recursive: true, force: true });
});

const config = {
  env: "LRPG/Pendulum",
  algo: "lrpg",
  seed: 7,
  episodes: 60,
  checkpointEvery: 10,
  checkpointMinSeconds: 0,
  snapshotEvery: 20,
} as const;

/**
 * `config` with snapshots only at the start and the end: checkpoint 30's rename may land before or
 * after episode 40's snapshot (it is written in the background), so with a snapshot at 40 the first
 * write to meet the full disk could be either file. Without one it is the metrics flush.
 */
const metricsOnlyConfig = { ...config, snapshotEvery: 60 } as const;

/** Every logged number except wall-clock SPS. */
function deterministicRows(rows: MetricRow[]): MetricRow[] {
  return rows.map((r) => {
    const rest = { ...r };
    delete rest[METRIC.sps];
    return rest;
  });
}

/** name → SHA-256 of every file in `dir`. */
function hashes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort())
    out[name] = createHash("sha256")
      .update(readFileSync(join(dir, name)))
      .digest("hex");
  return out;
}

/**
 * Runs `config` until the disk fills: as soon as the background write of checkpoint 30 is in
 * place (it runs while training goes on). Returns the run dir and the rejection.
 */
async function runUntilFull(
  root: string,
  fill: "sync" | "async",
  runConfig: typeof config | typeof metricsOnlyConfig = config,
): Promise<{ dir: string; error: Error }> {
  disk.trigger = { after: "ckpt-000000030.json", fill };
  const error = await executeRun(runConfig, { outRoot: root, agentFactory: linearFactory }).then(
    () => new Error("the run completed on a full disk"),
    (err: unknown) => err as Error,
  );
  disk.sync = false;
  disk.async = false;
  disk.trigger = null;
  return { dir: join(root, readdirSync(root)[0]), error };
}

describe("a full disk during a run keeps the previous checkpoint and the metrics, with a one-line error", () => {
  it("metrics append fails: both metric files end at the last whole row; resume (refused while full) then matches", async () => {
    const root = tmp();
    const reference = await executeRun(metricsOnlyConfig, { outRoot: tmp(), agentFactory: linearFactory });
    const { dir, error } = await runUntilFull(root, "sync", metricsOnlyConfig);
    const k = readMetrics(dir).length;
    expect(k).toBeGreaterThanOrEqual(30);

    // The checkpoint due at k (if any) is written from the state before the full disk.
    const newest = listCheckpoints(join(dir, "checkpoints")).at(-1)!.episode;
    expect([30, Math.floor(k / 10) * 10]).toContain(newest);
    expect(error.message).not.toContain("\n");
    expect(error.message).toContain(
      `metrics.jsonl: not written: no space left on device (ENOSPC); row ${k + 1} was not appended; the ${k} rows before it are kept; the last checkpoint before it (episode ${newest}) is kept; free space, then \`lowrank-rl resume ${dir}\``,
    );
    const checkpointsAtFull = hashes(join(dir, "checkpoints"));
    expect(Object.keys(checkpointsAtFull)).toHaveLength(2);
    // No torn row: k whole rows in both files, equal to the uninterrupted run's.
    const ref = deterministicRows(readMetrics(reference.dir));
    expect(deterministicRows(readMetrics(dir))).toEqual(ref.slice(0, k));
    const csv = readFileSync(join(dir, "metrics.csv"), "utf8");
    expect(csv.endsWith("\n")).toBe(true);
    expect(csv.split("\n").length - 1).toBe(k + 1);
    // The manifest could not be rewritten on the full disk: the old one is whole.
    expect(readManifest(dir).status).toBe("running");

    // Resuming while the disk is still full is refused with one line; the checkpoints stay.
    disk.sync = true;
    const refused = await resumeRun(dir, { agentFactory: linearFactory }).then(
      () => new Error("resume completed on a full disk"),
      (err: unknown) => err as Error,
    );
    disk.sync = false;
    expect(refused.message).not.toContain("\n");
    expect(refused.message).toMatch(/run\.lock: not written: no space left on device \(ENOSPC\)/);
    expect(hashes(join(dir, "checkpoints"))).toEqual(checkpointsAtFull);
    expect(readdirSync(dir).filter((f) => f.includes(".tmp-"))).toEqual([]);

    const resumed = await resumeRun(dir, { agentFactory: linearFactory });
    expect(resumed.status).toBe("completed");
    expect(deterministicRows(readMetrics(dir))).toEqual(ref);
    for (const f of ["final_params.json", "snapshots.jsonl"])
      expect(readFileSync(join(dir, f), "utf8")).toBe(readFileSync(join(reference.dir, f), "utf8"));
  });

  it("a background checkpoint write fails: the previous checkpoints stay, no temp file, resume matches", async () => {
    const root = tmp();
    const reference = await executeRun(config, { outRoot: tmp(), agentFactory: linearFactory });
    const { dir, error } = await runUntilFull(root, "async");

    expect(error.message).not.toContain("\n");
    expect(error.message).toMatch(
      /ckpt-000000040\.json: not written: no space left on device \(ENOSPC\); any previous version of it is kept unchanged; the last checkpoint before it \(episode 30\) is kept; free space, then `lowrank-rl resume /,
    );
    expect(readdirSync(join(dir, "checkpoints"))).toEqual(["ckpt-000000020.json", "ckpt-000000030.json"]);
    const manifest = readManifest(dir);
    expect(manifest.status).toBe("failed");
    expect(manifest.message).toBe(error.message);

    const resumed = await resumeRun(dir, { agentFactory: linearFactory });
    expect(resumed.status).toBe("completed");
    expect(deterministicRows(readMetrics(dir))).toEqual(deterministicRows(readMetrics(reference.dir)));
    expect(readFileSync(join(dir, "final_params.json"), "utf8")).toBe(
      readFileSync(join(reference.dir, "final_params.json"), "utf8"),
    );
  });

  it("a snapshot append fails: snapshots.jsonl is cut back to its last whole line", async () => {
    const root = tmp();
    // Episode 40 appends a snapshot; metrics rows go first, so fail only the append.
    let dir = "";
    const error = await executeRun(config, {
      outRoot: root,
      agentFactory: linearFactory,
      onEpisode: (e) => {
        if (e === 39) {
          dir = join(root, readdirSync(root)[0]);
          const metrics = MetricsWriter.prototype.write;
          // Let episode 40's metric row through, then fill the disk before its snapshot.
          MetricsWriter.prototype.write = function (
            this: import("../../src/runner/metrics.js").MetricsWriter,
            row,
          ) {
            metrics.call(this, row);
            MetricsWriter.prototype.write = metrics;
            disk.sync = true;
          };
        }
      },
    }).then(
      () => new Error("completed"),
      (err: unknown) => err as Error,
    );
    disk.sync = false;
    expect(error.message).toMatch(
      /snapshots\.jsonl: not written: no space left on device \(ENOSPC\); the snapshots before episode 40 are kept; the last checkpoint before it \(episode 30\) is kept/,
    );
    const lines = readFileSync(join(dir, "snapshots.jsonl"), "utf8").split("\n");
    expect(lines.at(-1)).toBe("");
    expect(lines.slice(0, -1).map((l) => (JSON.parse(l) as { episode: number }).episode)).toEqual([0, 20]);
  });

  it("saveCheckpoint on a full disk throws one line and prunes nothing", () => {
    const dir = tmp();
    saveCheckpoint(dir, 1, { a: 1 });
    saveCheckpoint(dir, 2, { a: 2 });
    const before = hashes(dir);
    disk.sync = true;
    expect(() => saveCheckpoint(dir, 3, { a: 3 })).toThrow(
      /ckpt-000000003\.json: not written: no space left on device \(ENOSPC\); any previous version of it is kept unchanged$/,
    );
    disk.sync = false;
    expect(hashes(dir)).toEqual(before);
    expect(listCheckpoints(dir).map((c) => c.episode)).toEqual([1, 2]);
  });
});
