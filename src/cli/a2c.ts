import { join } from "node:path";
import { Option, type Command } from "commander";
import { A2C_FIELD_DOCS, type A2cRunConfig } from "../runner/a2c-config.js";
import {
  evaluateA2cRunDir,
  executeA2cRun,
  newestA2cCheckpointStep,
  resumeA2cRun,
} from "../runner/a2c-run.js";
import { writeJsonAtomic } from "../runner/atomic-file.js";
import { readManifest } from "../runner/manifest.js";
import type { RunResult } from "../runner/run.js";
import { episodeProgressBar } from "./progress.js";
import { stopOnSignals } from "./signals.js";

/** What `lowrank-rl eval` writes for an a2c run (its eval.json holds the final evaluation of training). */
const A2C_EVAL_FILE = "eval_cli.json";

/** Adds the a2c-only flags (`--num-envs`, `--rollout-steps`, `--gae-lambda`, …) to a command. */
export function addA2cOptions(cmd: Command): Command {
  for (const doc of A2C_FIELD_DOCS)
    cmd.addOption(new Option(doc.flag, `${doc.description}; ${doc.allowed} (default: per env)`));
  return cmd;
}

/** `raw` with the a2c-only flags given on the command line (numbers where the text is one). */
export function withA2cFlags(raw: object, opts: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...raw };
  for (const doc of A2C_FIELD_DOCS) {
    const v = opts[doc.name];
    if (typeof v !== "string") continue;
    const n = Number(v);
    out[doc.name] = doc.number && v.trim() !== "" && Number.isFinite(n) ? n : v;
  }
  return out;
}

/**
 * Trains (or resumes) an a2c run with a frame progress bar; the first SIGINT/SIGTERM checkpoints
 * after the current update and stops (exit 130 / 143), a second exits at once. Returns the exit code.
 */
async function withProgress(
  total: number,
  startAt: number,
  quiet: boolean,
  go: (onProgress: (step: number) => void, signal: AbortSignal) => Promise<RunResult>,
): Promise<number> {
  const bar = quiet ? null : episodeProgressBar(total, "train", "frames");
  bar?.add(startAt);
  let last = startAt;
  const stop = stopOnSignals((sig) =>
    process.stderr.write(`\n${sig}: checkpointing after this update (send again to exit at once)\n`),
  );
  let r: RunResult;
  try {
    r = await go((step) => {
      bar?.add(Math.min(step, total) - last);
      last = Math.min(step, total);
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

/** `lowrank-rl run --algo a2c …` (config already validated). */
export function runA2c(
  config: A2cRunConfig,
  opts: { out?: string; root: string; quiet: boolean },
): Promise<number> {
  return withProgress(config.totalSteps, 0, opts.quiet, (onProgress, signal) =>
    executeA2cRun(config, { dir: opts.out, outRoot: opts.root, onProgress, signal }),
  );
}

/** `lowrank-rl resume DIR` of an a2c run. */
export async function resumeA2c(dir: string, quiet: boolean): Promise<number> {
  const m = readManifest<A2cRunConfig>(dir);
  if (m.status === "completed") {
    process.stdout.write(`${dir}: already completed (${m.config.totalSteps} frames); nothing to do\n`);
    return 0;
  }
  return withProgress(m.config.totalSteps, newestA2cCheckpointStep(dir), quiet, (onProgress, signal) =>
    resumeA2cRun(dir, { onProgress, signal }),
  );
}

/** `lowrank-rl eval DIR` of an a2c run: greedy episodes on fixed seeds; writes eval_cli.json. */
export function evalA2c(
  dir: string,
  opts: {
    episodes: number;
    seed?: number;
    maxSteps?: number;
    params: "final" | "checkpoint";
    json?: boolean;
  },
): void {
  const r = evaluateA2cRunDir(dir, opts);
  const record = {
    protocol: "greedy action argmax_a π(a|s); episode i resets with seed base+i",
    params: opts.params,
    episodes: opts.episodes,
    seedBase: r.seeds[0],
    ...r,
  };
  writeJsonAtomic(join(dir, A2C_EVAL_FILE), record);
  process.stdout.write(
    opts.json
      ? JSON.stringify(record) + "\n"
      : `eval/episodic_return: ${r.mean.toFixed(4)} ± ${r.std.toFixed(4)} over ${opts.episodes} episodes (seeds ${r.seeds[0]}…${r.seeds.at(-1)}, greedy); wrote ${join(dir, A2C_EVAL_FILE)}\n`,
  );
}
