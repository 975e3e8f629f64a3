import type { Action, Env, StepResult, StepView } from "./env.js";
import { Box } from "./spaces.js";
import { Wrapper } from "./wrapper.js";

/**
 * Gymnasium's `ClipAction`: clips each component of a Box action to [low, high] before the
 * inner env sees it (a = min(max(a, low), high)). NaN is passed through so the inner env
 * reports it. Useful for envs that do not clip themselves (Goddard-v0, LRPG/Rocket); note that
 * it changes MountainCarContinuous' reward, whose penalty uses the raw action.
 */
export class ClipAction<State = unknown> extends Wrapper<State, Action> {
  private readonly low: Float64Array;
  private readonly high: Float64Array;
  private readonly scratch: Float64Array;

  constructor(env: Env<State, Action>) {
    super(env);
    const space = env.actionSpace;
    if (!(space instanceof Box))
      throw new TypeError(`ClipAction: ${env.id} has a ${space.kind} action space; ClipAction needs a Box`);
    this.low = space.low;
    this.high = space.high;
    this.scratch = new Float64Array(space.size);
  }

  /** The clipped action (a number for a bare-number input, else the wrapper's reused scratch buffer). */
  private clip(action: Action): Action {
    if (typeof action === "number") {
      if (this.low.length !== 1) return action; // let the inner env report the shape error
      return action < this.low[0] ? this.low[0] : action > this.high[0] ? this.high[0] : action;
    }
    if (action == null || action.length !== this.scratch.length) return action;
    for (let i = 0; i < this.scratch.length; i++) {
      const a = action[i];
      this.scratch[i] = a < this.low[i] ? this.low[i] : a > this.high[i] ? this.high[i] : a;
    }
    return this.scratch;
  }

  override step(action: Action): StepResult {
    return this.env.step(this.clip(action));
  }

  override stepInPlace(action: Action): StepView {
    return super.stepInPlace(this.clip(action));
  }
}
