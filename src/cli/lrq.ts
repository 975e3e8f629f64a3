import { join } from "node:path";
import { writeJsonAtomic } from "../runner/atomic-file.js";
import type { LrqRunConfig } from "../runner/lrq-config.js";
import {
  evaluateLrqRunDir,
  executeLrqRun,
  newestLrqCheckpointStep,
  resumeLrqRun,
} from "../runner/lrq-run.js";
import { readManifest } from "../runner/manifest.js";
import type { RunResult } from "../runner/run.js";
import { episodeProgressBar } from "./progress.js";
import { stopOnSignals } from "./signals.js";

/** What `lowrank-rl eval` writes for an lrq run (its eval.json holds the final evaluation of training). */
const LRQ_EVAL_FILE = "eval_cli.json";

/**
 * Trains (or resumes) an lrq run with a step progress bar; the first SIGINT/SIGTERM checkpoints
 * after the current episode and stops (exit 130 / 143), a second exits at once. Returns the exit code.
 */
async function withProgress(
  total: number,
  startAt: number,
  quiet: boolean,
  go: (onProgress: (step: number) => void, signal: AbortSignal) => Promise<RunResult>,
): Promise<number> {
  const bar = quiet ? null : episodeProgressBar(total, "train", "steps");
  bar?.add(startAt);
  let last = startAt;
  const stop = stopOnSignals((sig) =>
    process.stderr.write(`\n${sig}: checkpointing after this episode (send again to exit at once)\n`),
  );
  let r: RunResult;
  try {
    r = await go((step) => {
      bar?.add(step - last);
      last = step;
    }, stop.signal);
  } finally {
    bar?.stop();
    stop.dispose();
  }
  const recent = r.returns.slice(-100);
  const mean = recent.length ? recent.reduce((a, b) => a + b, 0) / recent.length : NaN;
  if (!quiet)
    process.stdout.write(
      `${r.status}: ${r.episodesDone} episodes in ${r.dir}${recent.length ? `; mean return of the last ${recent.length}: ${mean.toFixed(3)}` : ""}\n`,
    );
  if (r.message) process.stderr.write(`${r.message}\n`);
  if (r.status === "completed") return 0;
  if (r.status === "interrupted") return stop.received() === "SIGTERM" ? 143 : 130;
  return 1;
}

/** `lowrank-rl run --algo lrq …` (config already validated). */
export function runLrq(
  config: LrqRunConfig,
  opts: { out?: string; root: string; quiet: boolean },
): Promise<number> {
  return withProgress(config.totalSteps, 0, opts.quiet, (onProgress, signal) =>
    executeLrqRun(config, { dir: opts.out, outRoot: opts.root, onProgress, signal }),
  );
}

/** `lowrank-rl resume DIR` of an lrq run. */
export async function resumeLrq(dir: string, quiet: boolean): Promise<number> {
  const m = readManifest<LrqRunConfig>(dir);
  if (m.status === "completed") {
    process.stdout.write(`${dir}: already completed (${m.config.totalSteps} steps); nothing to do\n`);
    return 0;
  }
  return withProgress(m.config.totalSteps, newestLrqCheckpointStep(dir), quiet, (onProgress, signal) =>
    resumeLrqRun(dir, { onProgress, signal }),
  );
}

/** `lowrank-rl eval DIR` of an lrq run: greedy episodes on fixed seeds; writes eval_cli.json. */
export function evalLrq(
  dir: string,
  opts: {
    episodes: number;
    seed?: number;
    maxSteps?: number;
    params: "final" | "checkpoint";
    json?: boolean;
  },
): void {
  const r = evaluateLrqRunDir(dir, opts);
  const record = {
    protocol: "greedy action argmax_a Q(s, a); episode i resets with seed base+i",
    params: opts.params,
    episodes: opts.episodes,
    seedBase: r.seeds[0],
    ...r,
  };
  writeJsonAtomic(join(dir, LRQ_EVAL_FILE), record);
  process.stdout.write(
    opts.json
      ? JSON.stringify(record) + "\n"
      : `eval/episodic_return: ${r.mean.toFixed(4)} ± ${r.std.toFixed(4)} over ${opts.episodes} episodes (seeds ${r.seeds[0]}…${r.seeds.at(-1)}, greedy); wrote ${join(dir, LRQ_EVAL_FILE)}\n`,
  );
}
