import type { Action, Env, ResetOptions, ResetResult, StepResult, StepView } from "./env.js";
import type { Box, Space } from "./spaces.js";

/**
 * Base of the Gymnasium-style wrappers: forwards everything to the inner env. Subclasses
 * override `reset`, `step` and `stepInPlace` (the fast path is always present on a wrapper;
 * when the inner env has none it falls back to `step`).
 */
export class Wrapper<State = unknown, A extends Action = Action> implements Env<State, A> {
  readonly env: Env<State, A>;
  private fallbackView: {
    observation: Float64Array;
    reward: number;
    terminated: boolean;
    truncated: boolean;
  } | null = null;

  constructor(env: Env<State, A>) {
    if (env == null || typeof env.step !== "function" || typeof env.reset !== "function") {
      throw new TypeError(`Wrapper: env must implement the Env interface (reset, step), got ${String(env)}`);
    }
    this.env = env;
  }

  get id(): string {
    return this.env.id;
  }
  get observationSpace(): Box {
    return this.env.observationSpace;
  }
  get actionSpace(): Space {
    return this.env.actionSpace;
  }
  get maxEpisodeSteps(): number | undefined {
    return this.env.maxEpisodeSteps;
  }
  /** The innermost env (all wrappers removed). */
  get unwrapped(): Env<State, A> {
    let e: Env<State, A> = this.env;
    while (e instanceof Wrapper) e = e.env;
    return e;
  }

  reset(options?: ResetOptions): ResetResult {
    return this.env.reset(options);
  }
  step(action: A): StepResult {
    return this.env.step(action);
  }
  stepInPlace(action: A): StepView {
    if (this.env.stepInPlace) return this.env.stepInPlace(action);
    const r = this.env.step(action);
    if (this.fallbackView === null || this.fallbackView.observation.length !== r.observation.length) {
      this.fallbackView = {
        observation: new Float64Array(r.observation.length),
        reward: 0,
        terminated: false,
        truncated: false,
      };
    }
    const v = this.fallbackView;
    v.observation.set(r.observation);
    v.reward = r.reward;
    v.terminated = r.terminated;
    v.truncated = r.truncated;
    return v;
  }
  getState(): State {
    return this.env.getState();
  }
  setState(state: State): void {
    this.env.setState(state);
  }
}
