import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readManifest, writeManifest } from "../../src/runner/manifest.js";
import { executeRun, resumeRun } from "../../src/runner/run.js";
import { lockRunDir, RunLockedError, RUN_LOCK_FILE } from "../../src/runner/run-lock.js";

const root = mkdtempSync(join(tmpdir(), "run-lock-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("run.lock (every algorithm)", () => {
  it("is held while a run writes and released when it ends", async () => {
    const r = await executeRun({ algo: "lrpg", seed: 0, episodes: 5, checkpointEvery: 0 }, { outRoot: root });
    expect(r.status).toBe("completed");
    expect(existsSync(join(r.dir, RUN_LOCK_FILE))).toBe(false);
    const release = lockRunDir(r.dir);
    expect(readFileSync(join(r.dir, RUN_LOCK_FILE), "utf8")).toBe(`${process.pid}@${hostname()}\n`);
    release();
    release(); // idempotent
    expect(existsSync(join(r.dir, RUN_LOCK_FILE))).toBe(false);
  });

  it("resume refuses an LRPG run held by a live process; a dead holder's lock is taken over", async () => {
    const dir = join(root, "pg");
    await executeRun({ algo: "lrpg", seed: 1, episodes: 6, checkpointEvery: 2 }, { dir });
    writeManifest(dir, { ...readManifest(dir), status: "interrupted" });
    // process.ppid: a live process other than this one (the test runner's parent).
    writeFileSync(join(dir, RUN_LOCK_FILE), `${process.ppid}@${hostname()}\n`);
    await expect(resumeRun(dir, {})).rejects.toThrow(RunLockedError);
    await expect(resumeRun(dir, {})).rejects.toThrow(/is in use by process \d+ \(run.lock\)/);
    writeFileSync(join(dir, RUN_LOCK_FILE), `2147483646@${hostname()}\n`); // no such process
    const r = await resumeRun(dir, {});
    expect(r.status).toBe("completed");
    expect(existsSync(join(dir, RUN_LOCK_FILE))).toBe(false);
  });
});
