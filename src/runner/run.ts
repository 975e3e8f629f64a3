/**
 * One entry point for a run of any algorithm: policy gradient (./pg-run.ts, cpu; the gpu backend
 * as a population of one, ./population-run.ts), DQN (./dqn-run.ts) and low-rank Q (./lrq-run.ts).
 * The CLI imports the policy-gradient runner alone, so that a PG run starts without the others.
 */
import { isDqnConfigInput } from "./dqn-config.js";
import { executeDqnRun, resumeDqnRun } from "./dqn-run.js";
import { isLrqConfigInput } from "./lrq-config.js";
import { executeLrqRun, resumeLrqRun } from "./lrq-run.js";
import { completedRunResult, readManifest } from "./manifest.js";
import { parseRunConfig, type RunConfig } from "./config.js";
import { executePgRun, resumePgRun, type RunOptions, type RunResult } from "./pg-run.js";
import { executePopulation } from "./population-run.js";

export * from "./pg-run.js";

/**
 * Runs `(config, seed) → run directory` for any algorithm: creates the directory, writes the
 * manifest, trains with metrics/checkpoints, and returns the returns and final status (backend
 * "gpu": trains it as a population of one, see `executePopulation`; `population` > 1 only matters
 * to callers that hold several seeds, see `runRunJobsInPool`). Pure given the config: the seed
 * fixes every random draw (agent init, actions and the env's initial states).
 */
export async function executeRun(rawConfig: RunConfig | unknown, options: RunOptions): Promise<RunResult> {
  if (isDqnConfigInput(rawConfig))
    return executeDqnRun(rawConfig, { dir: options.dir, outRoot: options.outRoot });
  if (isLrqConfigInput(rawConfig))
    return executeLrqRun(rawConfig, {
      dir: options.dir,
      outRoot: options.outRoot,
      signal: options.signal,
      warn: options.warn,
    });
  const config = parseRunConfig(rawConfig);
  if (config.backend === "gpu") {
    // The gpu backend only exists as a population: one run is a population of one.
    const [result] = await executePopulation([config], {
      ...(options.dir ? { dirs: [options.dir] } : { outRoot: options.outRoot }),
      onEpisode: options.onEpisode,
      signal: options.signal,
    });
    return result;
  }
  return executePgRun(config, options);
}

/**
 * Continues the run in `dir`, of any algorithm, from its newest valid checkpoint; the result is
 * bit-identical to a run never interrupted (see `resumePgRun` and the DQN and low-rank-Q runners).
 */
export async function resumeRun(
  dir: string,
  options: Omit<RunOptions, "dir" | "outRoot">,
): Promise<RunResult> {
  const old = readManifest<RunConfig>(dir);
  if (isLrqConfigInput(old.config)) return resumeLrqRun(dir, { signal: options.signal, warn: options.warn });
  if (isDqnConfigInput(old.config)) {
    if (old.status === "completed") return completedRunResult(dir, old);
    return resumeDqnRun(dir, { warn: options.warn });
  }
  return resumePgRun(dir, options, executeRun);
}
