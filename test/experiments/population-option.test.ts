import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import {
  addExecutionOptions,
  executionFromOptions,
  withExecution,
} from "../../experiments/lib/population-option.js";

function parse(argv: string[]): ReturnType<typeof executionFromOptions> {
  const program = addExecutionOptions(new Command().exitOverride().configureOutput({ writeErr: () => {} }));
  program.parse(argv, { from: "user" });
  return executionFromOptions(program);
}

describe("experiment flags --backend / --gpu-mode / --population", () => {
  it("parses and validates", () => {
    expect(parse([])).toEqual({ backend: "cpu", population: 1 });
    expect(parse(["--population", "10"])).toEqual({ backend: "cpu", population: 10 });
    expect(parse(["--backend", "gpu", "--gpu-mode", "webasm"])).toEqual({
      backend: "gpu",
      gpuMode: "webasm",
      population: 1,
    });
    expect(() => parse(["--population", "0"])).toThrow(
      /--population must be an integer in \[1, 100000\], got "0"/,
    );
    expect(() => parse(["--backend", "tpu"])).toThrow(/Allowed choices are cpu, gpu/);
    expect(() => parse(["--gpu-mode", "webasm"])).toThrow(
      /--gpu-mode webasm only applies with --backend gpu/,
    );
  });

  it("applies to LRPG on the paper tasks only; NN and schedules run one job per seed", () => {
    const exec = { backend: "cpu" as const, population: 10 };
    expect(withExecution({ env: "LRPG/Acrobot", algo: "lrpg", lrActor: 0.01 }, exec)).toMatchObject({
      population: 10,
      backend: "cpu",
    });
    expect(withExecution({ algo: "nn" }, exec)).toEqual({ algo: "nn" });
    expect(withExecution({ env: "CartPole-v1" }, exec)).toEqual({ env: "CartPole-v1" });
    expect(withExecution({ lrActor: "0.01 * 0.99 ^ episode" }, exec)).toEqual({
      lrActor: "0.01 * 0.99 ^ episode",
    });
    expect(withExecution({ algo: "lrpg" }, { backend: "cpu", population: 1 })).toEqual({ algo: "lrpg" });
  });
});

describe("npm run exp:pendulum -- --population 2 (tiny)", () => {
  it("gives the same per-seed results as one job per seed, and records the execution in summary.json", async () => {
    const run = promisify(execFile);
    const TSX = join(process.cwd(), "node_modules", ".bin", "tsx");
    const root = mkdtempSync(join(tmpdir(), "exp-pop-"));
    const args = ["experiments/pendulum.ts", "--seeds", "2", "--episodes", "20", "--quiet"];
    await run(TSX, [...args, "--out", join(root, "single")], { timeout: 120_000 });
    await run(TSX, [...args, "--out", join(root, "pop"), "--population", "2"], { timeout: 120_000 });
    const read = (d: string) => JSON.parse(readFileSync(join(root, d, "summary.json"), "utf8"));
    const single = read("single");
    const pop = read("pop");
    expect(pop.execution).toEqual({ backend: "cpu", population: 2 });
    expect(single.execution).toBeUndefined();
    for (const k of [0, 1]) {
      expect(pop.methods[k].statuses).toEqual(["completed", "completed"]);
      expect(pop.methods[k].final_mean_return_per_seed).toEqual(single.methods[k].final_mean_return_per_seed);
      expect(pop.methods[k].params).toBe(single.methods[k].params);
    }
  });
});
