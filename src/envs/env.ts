import type { Rng } from "../random/rng.js";
import type { Box, Space } from "./spaces.js";

/** An action: a float vector (or a bare number for a 1-D Box) for Box action spaces, an integer for Discrete ones. */
export type Action = number | ArrayLike<number>;

export interface ResetOptions {
  /** Re-seeds the env's generator with `new Rng(seed)` (Gymnasium semantics); without it the current generator continues. */
  seed?: number;
  /** Env-specific reset options, as Gymnasium's `reset(options=…)` (e.g. Pendulum-v1 `x_init`, `y_init`). */
  options?: Readonly<Record<string, number>>;
}

export interface ResetResult {
  observation: Float64Array;
  info: Record<string, unknown>;
}

export interface StepResult {
  observation: Float64Array;
  reward: number;
  /** The MDP reached a terminal state (no bootstrapping past it). */
  terminated: boolean;
  /** The episode was cut for a reason outside the MDP (time limit); bootstrap if you learn from values. */
  truncated: boolean;
  info: Record<string, unknown>;
}

/**
 * Result of the allocation-free fast path {@link Env.stepInPlace}: ONE object per env, reused
 * and overwritten by every call (its `observation` buffer too). Copy what you keep.
 */
export interface StepView {
  readonly observation: Float64Array;
  reward: number;
  terminated: boolean;
  truncated: boolean;
}

/**
 * The Gymnasium environment API. `getState()` / `setState()` use the layout of the
 * golden files' `state` (see test/golden); `setState` after `reset` overwrites the
 * physical state and leaves the step counter alone. The complete resumable state (generator,
 * wrapper counters, sticky-action memory, …) is the optional `Resumable` API
 * (`snapshot()` / `restore()`, resumable.ts), which every env and wrapper in this folder implements.
 */
export interface Env<State = unknown, A extends Action = Action> {
  readonly id: string;
  readonly observationSpace: Box;
  readonly actionSpace: Space;
  /** Steps before `truncated` (TimeLimit); `undefined` when the env has no registered limit. */
  readonly maxEpisodeSteps?: number;
  reset(options?: ResetOptions): ResetResult;
  step(action: A): StepResult;
  /**
   * Optional fast path: same transition as `step` (same validation, same numbers), but no
   * allocation: returns the env's reused {@link StepView}. Every env in this folder has it;
   * use {@link fastStepper} to get one for any env.
   */
  stepInPlace?(action: A): StepView;
  getState(): State;
  setState(state: State): void;
}

/** Options every env factory in the registry accepts. */
export interface EnvOptions {
  /** The run's generator (or a fork of it); all reset randomness is drawn from it. Default `new Rng(DEFAULT_ENV_SEED)`. */
  rng?: Rng;
}

/** Seed of an env's generator when neither `options.rng` nor `reset({seed})` is given. */
export const DEFAULT_ENV_SEED = 0;
