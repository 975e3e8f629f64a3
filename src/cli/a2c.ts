import { Option, type Command } from "commander";
import type { A2cRunConfig } from "../runner/a2c-config.js";
import { A2C_FIELD_DOCS } from "../runner/a2c-fields.js";
import { readManifest } from "../runner/manifest.js";
import { newestCheckpointCounter } from "../runner/run-dir.js";
import { numberOrText } from "./config-options.js";
import { trainWithProgress, writeGreedyEval, type GreedyEvalOptions } from "./train-progress.js";

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
    out[doc.name] = doc.number ? numberOrText(v) : v;
  }
  return out;
}

/** The A2C runner, loaded when an a2c command runs (other commands start without it). */
const a2cRunner = () => import("../runner/a2c-run.js");

/** `lowrank-rl run --algo a2c …` (config already validated). */
export async function runA2c(
  config: A2cRunConfig,
  opts: { out?: string; root: string; quiet: boolean },
): Promise<number> {
  const { executeA2cRun } = await a2cRunner();
  return trainWithProgress(
    config.totalSteps,
    0,
    opts.quiet,
    (onProgress, signal) => executeA2cRun(config, { dir: opts.out, outRoot: opts.root, onProgress, signal }),
    "frames",
    "update",
  );
}

/** `lowrank-rl resume DIR` of an a2c run. */
export async function resumeA2c(dir: string, quiet: boolean): Promise<number> {
  const m = readManifest<A2cRunConfig>(dir);
  if (m.status === "completed") {
    process.stdout.write(`${dir}: already completed (${m.config.totalSteps} frames); nothing to do\n`);
    return 0;
  }
  const { resumeA2cRun } = await a2cRunner();
  return trainWithProgress(
    m.config.totalSteps,
    newestCheckpointCounter(dir),
    quiet,
    (onProgress, signal) => resumeA2cRun(dir, { onProgress, signal }),
    "frames",
    "update",
  );
}

/** `lowrank-rl eval DIR` of an a2c run: greedy episodes on fixed seeds; writes eval_cli.json. */
export async function evalA2c(dir: string, opts: GreedyEvalOptions): Promise<void> {
  const { evaluateA2cRunDir } = await a2cRunner();
  writeGreedyEval(
    dir,
    "greedy action argmax_a π(a|s); episode i resets with seed base+i",
    opts,
    evaluateA2cRunDir(dir, opts),
  );
}
