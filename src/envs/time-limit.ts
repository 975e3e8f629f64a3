import type { Action, Env, ResetOptions, ResetResult, StepResult, StepView } from "./env.js";
import { Wrapper } from "./wrapper.js";
import { checkInteger, layerField, type LayerFields } from "./resumable.js";

/**
 * Gymnasium's `TimeLimit`: counts steps since the last `reset` and sets
 * `truncated = (elapsed >= maxEpisodeSteps)`, independently of `terminated` (both may be
 * true). `setState` does not touch the counter; `snapshot`/`restore` carry it (`elapsed`).
 */
export class TimeLimit<State = unknown, A extends Action = Action> extends Wrapper<State, A> {
  private readonly limit: number;
  private elapsed = 0;

  constructor(env: Env<State, A>, maxEpisodeSteps: number) {
    super(env);
    if (!Number.isInteger(maxEpisodeSteps) || maxEpisodeSteps < 1) {
      throw new RangeError(`TimeLimit: maxEpisodeSteps must be an integer >= 1, got ${maxEpisodeSteps}`);
    }
    this.limit = maxEpisodeSteps;
  }

  override get maxEpisodeSteps(): number {
    return this.limit;
  }
  /** Steps taken since the last reset. */
  get elapsedSteps(): number {
    return this.elapsed;
  }

  protected override layerFields(): LayerFields {
    return {
      elapsed: layerField(
        () => this.elapsed,
        (v, at) => checkInteger(v, at, 0),
        (v) => {
          this.elapsed = v;
        },
      ),
    };
  }

  override reset(options?: ResetOptions): ResetResult {
    this.elapsed = 0;
    return this.env.reset(options);
  }
  override step(action: A): StepResult {
    const r = this.env.step(action);
    this.elapsed++;
    if (this.elapsed >= this.limit) r.truncated = true;
    return r;
  }
  override stepInPlace(action: A): StepView {
    const v = super.stepInPlace(action);
    this.elapsed++;
    if (this.elapsed >= this.limit) v.truncated = true;
    return v;
  }
}
