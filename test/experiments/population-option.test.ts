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
