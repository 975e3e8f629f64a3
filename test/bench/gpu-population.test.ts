import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { benchGpuPopulation, markdownTables } from "../../bench/gpu-population.js";
import { TSX } from "../cli/cli-helpers.js";

const exec = promisify(execFile);

describe("bench/gpu-population.ts (the headless-gl population benchmark)", () => {
  it("times every kernel on both paths, checks their agreement and trains end to end (here on webasm)", async () => {
    const r = await benchGpuPopulation({ sizes: [3, 8], gpuMode: "webasm", budgetMs: 1, log: null });
    expect(r.gpuMode).toBe("webasm");
    expect(r.check.maxRelativeDifference).toBeGreaterThan(0); // float32 against float64
    expect(r.check.maxRelativeDifference).toBeLessThan(1e-4);
    expect(r.rows.map((row) => row.P)).toEqual([3, 8]);
    for (const row of r.rows) {
      expect(Object.keys(row.kernels).sort()).toEqual(["act", "adam", "env", "gather", "grads"]);
      for (const k of Object.values(row.kernels)) {
        expect(k.cpuMs).toBeGreaterThan(0);
        expect(k.gpuMs).toBeGreaterThan(0);
      }
      expect(row.cpuStepsPerSecond).toBeGreaterThan(0);
      expect(row.gpuStepsPerSecond).toBeGreaterThan(0);
    }
    const md = markdownTables(r);
    expect(md).toMatch(/^\| 8 \| grads \| [\d.]+ \| [\d.]+ \| [\d.]+ \|$/m);
    expect(md).toMatch(/^\| 3 \| [\d.]+ k? \| [\d.]+ k? \| [\d.]+ \|/m);
  });

  it("rejects a bad flag with one line naming it and its range (exit 2)", async () => {
    const err = await exec(TSX, ["bench/gpu-population.ts", "--sizes", "64,0"], { timeout: 60_000 }).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect((err as { code: number }).code).toBe(2);
    expect((err as { stderr: string }).stderr.trim()).toBe(
      'gpu-population: --sizes must be an integer in [1, 65536], got "0"',
    );
  });
});
