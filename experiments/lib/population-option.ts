import { Option, type Command } from "commander";
import { GPU_MODES, type GpuMode } from "../../src/factor/backend/gpujs.js";
import type { RunConfigInput } from "../../src/runner/config.js";
import { TASK_OF_ENV } from "../../src/runner/config.js";
import { intInRange } from "./args.js";

/**
 * `--backend cpu|gpu`, `--gpu-mode <mode>` and `--population P` for the experiment scripts: LRPG
 * runs that differ only in seed train P at a time as one lockstep population (src/population);
 * each run still writes its own directory in the single-run layout (no checkpoints). On the cpu
 * backend the results are bit-identical to one job per seed; the NN baseline always runs one job
 * per seed.
 */
export interface ExecutionOptions {
  backend: "cpu" | "gpu";
  gpuMode?: GpuMode;
  population: number;
}

/** Adds the three flags to a script's command (call before `parse()`). */
export function addExecutionOptions(program: Command): Command {
  return program
    .addOption(
      new Option(
        "--backend <kind>",
        "factor backend of the LRPG runs: cpu (float64) or gpu (gpu.js float32, trains as a population)",
      )
        .choices(["cpu", "gpu"])
        .default("cpu"),
    )
    .addOption(
      new Option(
        "--gpu-mode <mode>",
        "gpu.js mode with --backend gpu (`npm run cli -- backends` lists this machine's)",
      ).choices(GPU_MODES as string[]),
    )
    .option(
      "--population <P>",
      "train the LRPG runs P seeds at a time as one population (1 = one job per seed)",
      intInRange("--population", 1, 100_000),
      1,
    );
}

/** The parsed flags (commander has validated the choices and the range); usage errors exit like commander's. */
export function executionFromOptions(program: Command): ExecutionOptions {
  const opts = program.opts<{ backend?: string; gpuMode?: string; population?: number }>();
  const backend = opts.backend === "gpu" ? "gpu" : "cpu";
  if (backend === "cpu" && opts.gpuMode !== undefined)
    program.error(`error: --gpu-mode ${opts.gpuMode} only applies with --backend gpu`);
  return {
    backend,
    ...(backend === "gpu" && opts.gpuMode !== undefined ? { gpuMode: opts.gpuMode as GpuMode } : {}),
    population: opts.population ?? 1,
  };
}

/** True when the config can train as a population: LRPG on a paper task with constant learning rates. */
export function populationCapable(config: RunConfigInput): boolean {
  return (
    (config.algo ?? "lrpg") === "lrpg" &&
    TASK_OF_ENV[config.env ?? "LRPG/Pendulum"] !== undefined &&
    typeof (config.lrActor ?? 0) === "number" &&
    typeof (config.lrCritic ?? 0) === "number"
  );
}

/** The config with the execution fields when it can use them; other configs (NN, other envs) unchanged. */
export function withExecution(
  config: RunConfigInput,
  execution: ExecutionOptions | undefined,
): RunConfigInput {
  if (!execution || !populationCapable(config)) return config;
  if (execution.backend === "cpu" && execution.population === 1) return config;
  return { ...config, ...execution };
}
