import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseRunConfig } from "../../src/runner/config.js";
import { readManifest } from "../../src/runner/manifest.js";
import { readMetrics, METRIC } from "../../src/runner/metrics.js";
import { executePopulation, groupIntoPopulations } from "../../src/runner/population-run.js";
import { executeRun } from "../../src/runner/run.js";
import { RUN_FILES } from "../../src/runner/run-dir.js";
import { planSweep } from "../../src/runner/sweep.js";

const root = mkdtempSync(join(tmpdir(), "lowrank-pop-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const SEEDS = [0, 5, 9];
const base = {
  env: "LRPG/Pendulum",
  episodes: 12,
  evalEvery: 4,
  evalEpisodes: 2,
  snapshotEvery: 5,
  checkpointEvery: 0,
};

/** Every file of a run directory (checkpoints excluded: population runs keep none). */
function files(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f !== RUN_FILES.checkpointDir)
    .sort();
}

function shapes(dict: Record<string, unknown>): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [k, v] of Object.entries(dict)) {
    const dims: number[] = [];
    let x: unknown = v;
    while (Array.isArray(x)) {
      dims.push(x.length);
      x = x[0];
    }
    out[k] = dims;
  }
  return out;
}

function withoutTiming(rows: Record<string, unknown>[]): Record<string, unknown>[] {
  return rows.map((r) => {
    const c = { ...r };
    delete c[METRIC.sps];
    return c;
  });
}

describe("population runs write the single-run layout with the single runs' numbers (cpu)", () => {
  it("3 seeds as one population = 3 single runs: metrics (all but SPS), snapshots, final params, files, CSV header", async () => {
    const singles = [];
    for (const seed of SEEDS)
      singles.push(await executeRun({ ...base, seed }, { dir: join(root, `single-${seed}`) }));
    const pops = await executePopulation(
      SEEDS.map((seed) => ({ ...base, seed, population: 3 })),
      { dirs: SEEDS.map((seed) => join(root, `pop-${seed}`)) },
    );
    expect(pops.map((r) => r.status)).toEqual(["completed", "completed", "completed"]);
    for (let p = 0; p < SEEDS.length; p++) {
      const s = singles[p].dir;
      const q = pops[p].dir;
      expect(pops[p].returns).toEqual(singles[p].returns);
      expect(pops[p].jobId).toBe(singles[p].jobId); // population size is not result-defining
      expect(pops[p].parameterCount).toEqual(singles[p].parameterCount);
      expect(files(q)).toEqual(files(s));
      const header = (d: string) => readFileSync(join(d, RUN_FILES.metricsCsv), "utf8").split("\n")[0];
      expect(header(q)).toBe(header(s));
      const ms = readMetrics(s);
      const mq = readMetrics(q);
      expect(mq).toHaveLength(12);
      expect(withoutTiming(mq)).toEqual(withoutTiming(ms));
      expect(mq[3][METRIC.evalReturn]).toBeTypeOf("number");
      const finalS = JSON.parse(readFileSync(join(s, RUN_FILES.finalParams), "utf8"));
      const finalQ = JSON.parse(readFileSync(join(q, RUN_FILES.finalParams), "utf8"));
      expect(Object.keys(finalQ).sort()).toEqual(["log_sigma", "mu.L", "mu.R", "value.L", "value.R"]);
      expect(shapes(finalQ)).toEqual(shapes(finalS));
      expect(finalQ).toEqual(finalS);
      expect(readFileSync(join(q, RUN_FILES.snapshots), "utf8")).toBe(
        readFileSync(join(s, RUN_FILES.snapshots), "utf8"),
      );
      const m = readManifest(q);
      expect(m.status).toBe("completed");
      expect(m.config).toMatchObject({ backend: "cpu", population: 3, seed: SEEDS[p] });
      expect(m.population).toEqual({
        size: 3,
        index: p,
        seeds: SEEDS,
        backend: { kind: "cpu", mode: "f64-loops", precision: "float64" },
        checkpoints: false,
      });
    }
  });

  it("groups jobs equal but for the seed, population at a time; single and resume jobs stay alone", () => {
    const job = (seed: number, extra: Record<string, unknown> = {}) => ({
      config: parseRunConfig({ ...base, seed, population: 2, ...extra }),
    });
    const jobs = [
      job(0),
      job(1),
      job(2),
      job(0, { rank: 2 }),
      job(3),
      { ...job(4), resume: true },
      { config: parseRunConfig({ seed: 6 }) },
    ];
    expect(groupIntoPopulations(jobs)).toEqual([[0, 1], [2, 4], [3], [5], [6]]);
  });

  it("sweep job ids ignore population (and the default cpu backend) but not the gpu backend", () => {
    const plan = (extra: Record<string, unknown>) =>
      planSweep({ base: { ...base, ...extra }, seeds: [0] }, root)[0].jobId;
    expect(plan({ population: 10 })).toBe(plan({}));
    expect(plan({ backend: "cpu" })).toBe(plan({}));
    expect(plan({ backend: "gpu", gpuMode: "cpu" })).not.toBe(plan({}));
  });
});

describe("population config errors", () => {
  it("population must be an integer >= 1", () => {
    expect(() => parseRunConfig({ population: 0 })).toThrow(
      "config.population = 0: must be an integer in [1, 100000]",
    );
    expect(() => parseRunConfig({ population: 2.5 })).toThrow(
      "config.population = 2.5: must be an integer in [1, 100000]",
    );
  });
  it("backend and gpuMode are checked", () => {
    expect(() => parseRunConfig({ backend: "tpu" })).toThrow(
      `config.backend = "tpu": must be "cpu" or "gpu"`,
    );
    expect(() => parseRunConfig({ backend: "gpu", gpuMode: "vulkan" })).toThrow(
      /config.gpuMode = "vulkan": must be one of "auto"/,
    );
    expect(() => parseRunConfig({ gpuMode: "webasm" })).toThrow(
      /config.gpuMode = "webasm": only applies to backend "gpu"/,
    );
    expect(parseRunConfig({ backend: "gpu" })).toMatchObject({
      backend: "gpu",
      gpuMode: "auto",
      population: 1,
    });
  });
  it("population and the gpu backend cover scalar-σ LRPG on the paper tasks with constant rates", () => {
    expect(() => parseRunConfig({ algo: "nn", population: 4 })).toThrow(
      /config.population = 4: algo is "nn"; population training \(and the gpu backend\) supports scalar-σ LRPG on the paper tasks/,
    );
    expect(() => parseRunConfig({ algo: "nn", backend: "gpu" })).toThrow(
      /config.backend = "gpu": algo is "nn"/,
    );
    expect(() => parseRunConfig({ env: "CartPole-v1", population: 4 })).toThrow(
      /env CartPole-v1 is not a paper task/,
    );
    expect(() => parseRunConfig({ lrActor: "0.01 * 0.99 ^ episode", population: 4 })).toThrow(
      /lrActor is the schedule .*constant learning rates/,
    );
  });
  it("an unavailable gpu mode fails with createBackend's error before any directory is written", async () => {
    const dir = join(root, "gl");
    await expect(executeRun({ ...base, backend: "gpu", gpuMode: "headlessgl" }, { dir })).rejects.toThrow(
      /gl/,
    );
    expect(() => readdirSync(dir)).toThrow();
  });
});
