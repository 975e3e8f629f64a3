import { join } from "node:path";
import { writeJsonAtomic } from "../runner/atomic-file.js";
import type { RunResult } from "../runner/run.js";
import { episodeProgressBar } from "./progress.js";
import { stopOnSignals } from "./signals.js";

/** Prints a finished (or stopped) run's status, episode count and mean of its last 100 returns. */
export function summarize(r: RunResult, quiet: boolean): void {
  const last = r.returns.slice(-100);
  const mean = last.length ? last.reduce((a, b) => a + b, 0) / last.length : NaN;
  if (!quiet)
    process.stdout.write(
      `${r.status}: ${r.episodesDone} episodes in ${r.dir}${last.length ? `; mean return of the last ${last.length}: ${mean.toFixed(3)}` : ""}\n`,
    );
  if (r.message) process.stderr.write(`${r.message}\n`);
}

/** Exit code of a run: 0 completed, 130 / 143 stopped by SIGINT / SIGTERM, 1 otherwise. */
export function exitCodeFor(r: RunResult, sig: NodeJS.Signals | null): number {
  if (r.status === "completed") return 0;
  if (r.status === "interrupted") return sig === "SIGTERM" ? 143 : 130;
  return 1;
}

/**
 * Trains (or resumes) a run with a progress bar counting `unit` up to `total` from `startAt`;
 * `go` reports the count done so far (absolute). The first SIGINT/SIGTERM asks the run to
 * checkpoint after the current `checkpointsAfter` and stop, a second exits at once. Prints the
 * summary and returns the exit code.
 */
export async function trainWithProgress(
  total: number,
  startAt: number,
  quiet: boolean,
  go: (onProgress: (done: number) => void, signal: AbortSignal) => Promise<RunResult>,
  unit: "episodes" | "frames" | "steps" = "episodes",
  checkpointsAfter: "episode" | "update" | "frame" = "episode",
): Promise<number> {
  const bar = quiet ? null : episodeProgressBar(total, "train", unit);
  bar?.add(startAt);
  let last = startAt;
  const stop = stopOnSignals((sig) =>
    process.stderr.write(
      `\n${sig}: checkpointing after this ${checkpointsAfter} (send again to exit at once)\n`,
    ),
  );
  let result: RunResult;
  try {
    result = await go((done) => {
      const now = Math.min(done, total);
      bar?.add(now - last);
      last = now;
    }, stop.signal);
  } finally {
    bar?.stop();
    stop.dispose();
  }
  summarize(result, quiet);
  return exitCodeFor(result, stop.received());
}

/** Options of `lowrank-rl eval` for runs evaluated greedily on fixed seeds (a2c, lrq). */
export interface GreedyEvalOptions {
  episodes: number;
  seed?: number;
  maxSteps?: number;
  params: "final" | "checkpoint";
  json?: boolean;
}

/** What `lowrank-rl eval` writes for a2c and lrq runs (their eval.json holds the final evaluation of training). */
export const CLI_EVAL_FILE = "eval_cli.json";

/** Writes `<dir>/eval_cli.json` for a greedy evaluation `r` and prints it (one line, or JSON). */
export function writeGreedyEval(
  dir: string,
  protocol: string,
  opts: GreedyEvalOptions,
  r: { mean: number; std: number; seeds: number[] },
): void {
  const record = { protocol, params: opts.params, episodes: opts.episodes, seedBase: r.seeds[0], ...r };
  writeJsonAtomic(join(dir, CLI_EVAL_FILE), record);
  process.stdout.write(
    opts.json
      ? JSON.stringify(record) + "\n"
      : `eval/episodic_return: ${r.mean.toFixed(4)} ± ${r.std.toFixed(4)} over ${opts.episodes} episodes (seeds ${r.seeds[0]}…${r.seeds.at(-1)}, greedy); wrote ${join(dir, CLI_EVAL_FILE)}\n`,
  );
}
