import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { METRIC, readMetrics } from "../../src/runner/metrics.js";
import { poolWorkerModule, runRunJobsInPool } from "../../src/runner/pool.js";

const roots: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "pool-"));
  roots.push(d);
  return d;
};
afterAll(() => {
  for (const d of roots) rmSync(d, { recursive: true, force: true });
});

const job = (seed: number) => ({
  env: "LRPG/Pendulum",
  algo: "lrpg",
  seed,
  episodes: 15,
  tensorboard: false,
});

/** Every logged number except wall-clock SPS. */
const rows = (dir: string) =>
  readMetrics(dir).map((r) => {
    const rest = { ...r };
    delete rest[METRIC.sps];
    return rest;
  });

describe("runJobsInPool", () => {
  it("one thread runs the jobs in this thread, in order, with the pool workers' results and progress", async () => {
    const inProcess = tmp();
    const pooled = tmp();
    let progress = 0;
    const done: number[] = [];
    const one = await runRunJobsInPool(
      [0, 1].map((seed) => ({ config: job(seed), outRoot: inProcess })),
      { threads: 1, onProgress: (n) => (progress += n), onJobDone: (_, i) => done.push(i) },
    );
    expect(progress).toBe(30);
    expect(done).toEqual([0, 1]);
    const two = await runRunJobsInPool(
      [0, 1].map((seed) => ({ config: job(seed), outRoot: pooled })),
      { threads: 2 },
    );
    expect(one.map((r) => r.status)).toEqual(["completed", "completed"]);
    for (let k = 0; k < 2; k++) {
      expect(rows(one[k].dir)).toEqual(rows(two[k].dir));
      expect(readFileSync(join(one[k].dir, "final_params.json"), "utf8")).toBe(
        readFileSync(join(two[k].dir, "final_params.json"), "utf8"),
      );
    }
  });

  it("the workers' module exists, compiled JavaScript only where a build is current", () => {
    const { url, compiled } = poolWorkerModule();
    const path = fileURLToPath(url);
    expect(existsSync(path)).toBe(true);
    expect(path.endsWith(compiled ? "pool-worker.js" : "pool-worker.ts")).toBe(true);
  });

  it("a sweep started through bin/lowrank-rl.js from another working directory runs its workers", async () => {
    // bin registers tsx in-process; the workers must find tsx in this checkout, not in the cwd.
    const bin = fileURLToPath(new URL("../../bin/lowrank-rl.js", import.meta.url));
    const cwd = tmp();
    const args = [bin, "sweep", "--grid", "rank=1,2", "--seeds", "0", "--episodes", "3", "--threads", "2"];
    await promisify(execFile)(process.execPath, [...args, "--out", "s", "--quiet"], { cwd, timeout: 120_000 });
    const runs = readdirSync(join(cwd, "s")).filter((d) => existsSync(join(cwd, "s", d, "final_params.json")));
    expect(runs).toHaveLength(2);
  });
});
