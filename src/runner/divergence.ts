import type { Parameter } from "../optim/parameter.js";
import { join } from "node:path";
import { listCheckpoints } from "./checkpoint.js";
import { RUN_FILES } from "./run-dir.js";
import { FileWriteError } from "./atomic-file.js";
import type { StateDict, NumberTensor } from "../pg/agent.js";

/**
 * Raised when a parameter, return or loss stops being finite. The message names the episode,
 * the env step and the quantity, e.g.
 * `diverged at episode 412 (global step 41200): losses/critic = Infinity`; the runner adds what
 * it kept ({@link keptCheckpointNote}).
 */
export class DivergenceError extends Error {
  readonly episode: number;
  readonly globalStep: number;
  readonly quantity: string;
  readonly value: number;
  constructor(episode: number, globalStep: number, quantity: string, value: number) {
    super(`diverged at episode ${episode} (global step ${globalStep}): ${quantity} = ${value}`);
    this.name = "DivergenceError";
    this.episode = episode;
    this.globalStep = globalStep;
    this.quantity = quantity;
    this.value = value;
  }
}

function firstNonFinite(t: NumberTensor, path: string): { path: string; value: number } | null {
  if (typeof t === "number") return Number.isFinite(t) ? null : { path, value: t };
  for (let i = 0; i < t.length; i++) {
    const hit = firstNonFinite(t[i] as NumberTensor, `${path}[${i}]`);
    if (hit) return hit;
  }
  return null;
}

/** The first non-finite entry of a state dict, as `name[i][j]`, or null if all are finite. */
export function findNonFiniteParameter(dict: StateDict): { path: string; value: number } | null {
  for (const [name, t] of Object.entries(dict)) {
    const hit = firstNonFinite(t, name);
    if (hit) return hit;
  }
  return null;
}

/** The first non-finite entry among `params`, as `name[flat index]`, or null. */
export function findNonFiniteTensor(params: readonly Parameter[]): { path: string; value: number } | null {
  for (const p of params) {
    const d = p.data;
    for (let i = 0; i < d.length; i++)
      if (!Number.isFinite(d[i])) return { path: `${p.name}[${i}]`, value: d[i] };
  }
  return null;
}

/** A run's progress counter, as its checkpoint names and messages count it. */
export type ProgressCounter = "episode" | "frame" | "step";

/**
 * What a diverged run keeps, for its message: the newest checkpoint in `ckptDir` (every checkpoint
 * is written before the divergence is detected, from finite parameters), or `none` when there is none.
 */
export function keptCheckpointNote(
  ckptDir: string,
  counter: ProgressCounter,
  resumeHint: string,
  none = "no checkpoint was written before it",
): string {
  const newest = listCheckpoints(ckptDir).at(-1);
  return newest === undefined
    ? none
    : `the last checkpoint before it (${counter} ${newest.episode}) is kept; ${resumeHint}`;
}

/**
 * What a run stopped by a refused write (disk full, quota, read-only) keeps and how it goes on,
 * appended to the {@link FileWriteError}'s line: `the last checkpoint before it (frame 3000) is
 * kept; free space, then \`lowrank-rl resume <dir>\``, or before the first checkpoint `no
 * checkpoint yet: the run must restart; free space, then <restart>`. A checkpoint whose write
 * failed is never listed: writes are atomic, so the newest file in `checkpoints/` is whole.
 */
export function writeFailureNote(dir: string, counter: ProgressCounter, restart: string): string {
  return keptCheckpointNote(
    join(dir, RUN_FILES.checkpointDir),
    counter,
    `free space, then \`lowrank-rl resume ${dir}\``,
    `no checkpoint yet: the run must restart; free space, then ${restart}`,
  );
}

/**
 * Runs a closing write (metric files, manifest) of a run that ends with `status`. A failed run may
 * stand on a full disk: its closing writes are then best effort, so the error that stopped the run
 * is the one reported, and the files end at their last whole row (the manifest at its previous version).
 */
export function closingWrite(status: string, write: () => void): void {
  if (status !== "failed") return write();
  try {
    write();
  } catch {
    // Kept as described above; the run's own error is reported.
  }
}

/**
 * How a run that stopped on `err` ends: a divergence ({@link DivergenceError}, or what `diverged`
 * recognizes) is "diverged", naming the checkpoint it keeps; anything else is "failed", and a
 * refused write ({@link FileWriteError}, rethrown by the caller) gets what resume has appended to
 * its own line. `restart` says how a run without a checkpoint starts again (default: the A2C and
 * low-rank-Q `resume`, which restarts such a run from 0).
 */
export function stoppedRunEnding(
  err: unknown,
  dir: string,
  counter: ProgressCounter,
  how: { restart?: string; diverged?: (err: unknown) => boolean } = {},
): { status: "diverged" | "failed"; message: string } {
  if (err instanceof DivergenceError || how.diverged?.(err)) {
    const hint = "lower the learning rate and start a new run";
    const note = keptCheckpointNote(join(dir, RUN_FILES.checkpointDir), counter, hint);
    return { status: "diverged", message: `${(err as Error).message}; ${note}` };
  }
  if (err instanceof FileWriteError) {
    // Disk full (or read-only) mid-run: every file written so far is whole; say what resume has.
    const restart = how.restart ?? `\`lowrank-rl resume ${dir}\` starts it again from ${counter} 0`;
    err.message += `; ${writeFailureNote(dir, counter, restart)}`;
  }
  return { status: "failed", message: (err as Error).message };
}
