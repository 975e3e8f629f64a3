import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readManifest, writeManifest } from "../../src/runner/manifest.js";
import { readMetrics } from "../../src/runner/metrics.js";
import { expandGrid, parseSweepSpec, planSweep, sampleRandom } from "../../src/runner/sweep.js";
import { cli } from "./cli-helpers.js";

const SPEC = {
  base: { env: "LRPG/Pendulum", algo: "lrpg", episodes: 30, checkpointEvery: 10, snapshotEvery: 0 },
  grid: { rank: [1, 2], actorBuckets: [5, 10] },
  seeds: [0, 1],
};

describe("lowrank-rl sweep", () => {
  it("grid expansion, random search and validation", () => {
    expect(expandGrid({ algo: "lrpg" }, { rank: [1, 2], actorBuckets: [5, 10] })).toEqual([
      { algo: "lrpg", rank: 1, actorBuckets: 5 },
      { algo: "lrpg", rank: 1, actorBuckets: 10 },
      { algo: "lrpg", rank: 2, actorBuckets: 5 },
      { algo: "lrpg", rank: 2, actorBuckets: 10 },
    ]);
    const r = sampleRandom(
      {},
      {
        samples: 5,
        seed: 3,
        space: { lrActor: { min: 1e-3, max: 1e-1, log: true }, rank: { min: 1, max: 8, integer: true } },
      },
    );
    expect(r).toHaveLength(5);
    for (const c of r) {
      expect(c.lrActor as number).toBeGreaterThanOrEqual(1e-3);
      expect(c.lrActor as number).toBeLessThanOrEqual(1e-1);
      expect(Number.isInteger(c.rank)).toBe(true);
    }
    expect(
      sampleRandom({}, { samples: 5, seed: 3, space: { rank: { min: 1, max: 8, integer: true } } }),
    ).toEqual(sampleRandom({}, { samples: 5, seed: 3, space: { rank: { min: 1, max: 8, integer: true } } }));
    expect(() => parseSweepSpec({ ...SPEC, grid: { rnak: [1] } })).toThrow(
      /"rnak" is not a sweepable config field/,
    );
    expect(() => parseSweepSpec({ ...SPEC, seeds: [] })).toThrow(/sweep.seeds/);
    expect(() => parseSweepSpec({ ...SPEC, seeds: [0, 1e300] })).toThrow(
      "sweep.seeds.1: must be an integer in [0, 2147483647], got 1e+300",
    );
    expect(() => parseSweepSpec({ ...SPEC, base: { ...SPEC.base, seed: 3 } })).toThrow(/seeds go in "seeds"/);
    // 1000 × 1000 × 1000 × 2 seeds: counted, not built (building it would exhaust memory).
    const huge = Array.from({ length: 1000 }, (_, i) => i + 1);
    expect(() =>
      parseSweepSpec({ ...SPEC, grid: { rank: huge, actorBuckets: huge, criticBuckets: huge } }),
    ).toThrow(
      "sweep: the spec expands to 2000000000 jobs (grid × samples × seeds), more than the limit 100000; narrow it or raise the limit with --max-jobs",
    );
    expect(parseSweepSpec({ ...SPEC, grid: { rank: huge } }, { maxJobs: 2000 }).grid?.rank).toHaveLength(
      1000,
    );
    expect(() => parseSweepSpec({ ...SPEC, grid: { rank: huge } }, { maxJobs: 1999 })).toThrow(/2000 jobs/);
    expect(() => planSweep(parseSweepSpec({ ...SPEC, grid: { rank: [0] } }), "/tmp/x")).toThrow(
      "config.rank = 0: must be an integer in [1, 1000]",
    );
  });

  it("2×2 grid × 2 seeds → 8 run dirs; a re-run runs nothing; a deleted dir re-runs alone; an interrupted one resumes", async () => {
    const root = mkdtempSync(join(tmpdir(), "cli-sweep-"));
    const specPath = join(root, "spec.json");
    writeFileSync(specPath, JSON.stringify(SPEC));
    const out = join(root, "sweep");

    const first = await cli(["sweep", specPath, "--out", out, "--quiet"]);
    expect(first.code).toBe(0);
    const dirs = readdirSync(out)
      .filter((d) => d !== "sweep.json")
      .sort();
    expect(dirs).toHaveLength(8);
    for (const d of dirs) {
      expect(d).toMatch(/^LRPG-Pendulum__lrpg__[01]__[0-9a-f]{16}$/);
      expect(readManifest(join(out, d)).status).toBe("completed");
    }
    expect(new Set(dirs.map((d) => readManifest(join(out, d)).jobId)).size).toBe(8);
    const mtimes = () =>
      Object.fromEntries(dirs.map((d) => [d, statSync(join(out, d, "manifest.json")).mtimeMs]));
    const before = mtimes();

    const again = await cli(["sweep", specPath, "--out", out]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("8 jobs — 0 to start, 0 to resume, 8 already done");
    expect(again.stdout).toContain("ran 0 job(s), skipped 8");
    expect(mtimes()).toEqual(before);

    const victim = dirs[3];
    const victimReturns = readMetrics(join(out, victim)).map((r) => r["charts/episodic_return"]);
    rmSync(join(out, victim), { recursive: true });
    // Another job "interrupted": a checkpoint exists, status not completed.
    const paused = dirs[5];
    const m = readManifest(join(out, paused));
    writeManifest(join(out, paused), { ...m, status: "interrupted" });

    const third = await cli(["sweep", specPath, "--out", out]);
    expect(third.code).toBe(0);
    expect(third.stdout).toContain("8 jobs — 1 to start, 1 to resume, 6 already done");
    expect(third.stdout).toContain("ran 2 job(s), skipped 6");
    const after = mtimes();
    for (const d of dirs) if (d !== victim && d !== paused) expect(after[d]).toBe(before[d]);
    expect(readManifest(join(out, victim)).status).toBe("completed");
    expect(readManifest(join(out, paused)).status).toBe("completed");
    expect(readMetrics(join(out, victim)).map((r) => r["charts/episodic_return"])).toEqual(victimReturns);
  });
});
