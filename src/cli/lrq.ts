import type { LrqRunConfig } from "../runner/lrq-config.js";
import { evaluateLrqRunDir, executeLrqRun, resumeLrqRun } from "../runner/lrq-run.js";
import { readManifest } from "../runner/manifest.js";
import { newestCheckpointCounter } from "../runner/run-dir.js";
import { trainWithProgress, writeGreedyEval, type GreedyEvalOptions } from "./train-progress.js";

/** `lowrank-rl run --algo lrq …` (config already validated). */
export function runLrq(
  config: LrqRunConfig,
  opts: { out?: string; root: string; quiet: boolean },
): Promise<number> {
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
export function evalLrq(dir: string, opts: GreedyEvalOptions): void {
  writeGreedyEval(
    dir,
    "greedy action argmax_a Q(s, a); episode i resets with seed base+i",
    opts,
    evaluateLrqRunDir(dir, opts),
  );
}
