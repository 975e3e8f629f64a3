import type { Box, Space } from "./spaces.js";

/** An action: a float vector for Box action spaces, an integer for Discrete ones. */
export type Action = number | ArrayLike<number>;

export interface ResetOptions {
  /** Re-seeds the env's generator (Gymnasium semantics); without it the current generator continues. */
  seed?: number;
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
 * The Gymnasium environment API. `getState()` / `setState()` use the layout of the
 * golden files' `state` (see ../shared/golden); `setState` after `reset` overwrites the
 * physical state and leaves the step counter alone.
 */
export interface Env<State = unknown, A extends Action = Action> {
  readonly id: string;
  readonly observationSpace: Box;
  readonly actionSpace: Space;
  /** Steps before `truncated` (TimeLimit); `undefined` when the env has no registered limit. */
  readonly maxEpisodeSteps?: number;
  reset(options?: ResetOptions): ResetResult;
  step(action: A): StepResult;
  getState(): State;
  setState(state: State): void;
}
