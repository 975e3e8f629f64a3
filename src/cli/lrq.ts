import type { LrqRunConfig } from "../runner/lrq-config.js";
import { readManifest } from "../runner/manifest.js";
import { newestCheckpointCounter } from "../runner/run-dir.js";
import { trainWithProgress, writeGreedyEval, type GreedyEvalOptions } from "./train-progress.js";

/** The low-rank-Q runner, loaded when an lrq command runs (other commands start without it). */
const lrqRunner = () => import("../runner/lrq-run.js");

/** `lowrank-rl run --algo lrq …` (config already validated). */
export async function runLrq(
  config: LrqRunConfig,
  opts: { out?: string; root: string; quiet: boolean },
): Promise<number> {
  const { executeLrqRun } = await lrqRunner();
  return trainWithProgress(
    config.totalSteps,
    0,
    opts.quiet,
    (onProgress, signal) => executeLrqRun(config, { dir: opts.out, outRoot: opts.root, onProgress, signal }),
    "steps",
    "episode",
  );
}

/** `lowrank-rl resume DIR` of an lrq run. */
export async function resumeLrq(dir: string, quiet: boolean): Promise<number> {
  const m = readManifest<LrqRunConfig>(dir);
  if (m.status === "completed") {
    process.stdout.write(`${dir}: already completed (${m.config.totalSteps} steps); nothing to do\n`);
    return 0;
  }
  const { resumeLrqRun } = await lrqRunner();
  return trainWithProgress(
    m.config.totalSteps,
    newestCheckpointCounter(dir),
    quiet,
    (onProgress, signal) => resumeLrqRun(dir, { onProgress, signal }),
    "steps",
    "episode",
  );
}

/** `lowrank-rl eval DIR` of an lrq run: greedy episodes on fixed seeds; writes eval_cli.json. */
export async function evalLrq(dir: string, opts: GreedyEvalOptions): Promise<void> {
  const { evaluateLrqRunDir } = await lrqRunner();
  writeGreedyEval(
    dir,
    "greedy action argmax_a Q(s, a); episode i resets with seed base+i",
    opts,
    evaluateLrqRunDir(dir, opts),
  );
}
