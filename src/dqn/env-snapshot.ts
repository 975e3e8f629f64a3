import type { Env } from "../envs/env.js";
import {
  isResumable,
  notResumable,
  restoreSnapshot,
  type EnvLayerSnapshot,
  type EnvSnapshot,
} from "../envs/resumable.js";

/**
 * Env part of a DQN checkpoint: the env's complete resumable state through the public
 * `Resumable` API of src/envs (`snapshot()` / `restore()`: `getState()` plus the hidden fields
 * of every layer of the wrapper chain — generator, ready flag, sticky-action memory, TimeLimit's
 * step counter, …; see src/envs/resumable.ts). The format is unchanged from the checkpoints
 * written before that API existed.
 */
export type { EnvSnapshot };
/** Hidden fields of one layer of the wrapper chain (outermost first). */
export type EnvLayerFields = EnvLayerSnapshot;

/** Snapshot of `env` (see {@link EnvSnapshot}); plain data, v8.serialize / JSON friendly. */
export function captureEnv(env: Env<unknown, number>): EnvSnapshot {
  if (!isResumable(env)) throw notResumable(env, "captureEnv");
  return env.snapshot();
}

/**
 * Restores a {@link captureEnv} snapshot into an env built the same way (same id, same wrapper
 * chain). Everything is validated before anything is written; errors name the field
 * (`${who}: env.layers[i].<field>`).
 */
export function restoreEnv(env: Env<unknown, number>, snapshot: EnvSnapshot, who = "restoreEnv"): void {
  if (!isResumable(env)) throw notResumable(env, who);
  restoreSnapshot(env, snapshot, { who, path: "env." });
}
