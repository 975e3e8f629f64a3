import type { Action, Env, StepResult, StepView } from "./env.js";
import { Box, Discrete } from "./spaces.js";
import { Wrapper } from "./wrapper.js";

/**
 * Discrete variant of a continuous-action env (like Gymnasium 1.x `DiscretizeAction` for a
 * 1-D Box): action k ∈ {0, …, n−1} becomes the continuous action
 *   a_k = low + k·(high − low)/(n − 1)   (endpoints included; n ≥ 2),
 * e.g. Pendulum torques {−2, −1, 0, 1, 2} for n = 5. Lets discrete-action agents (softmax
 * LRPG, DQN) run on the pendulum, the acrobot and the rocket.
 */
export class DiscretizeAction<State = unknown> extends Wrapper<State, Action> {
  readonly values: Float64Array;
  private readonly space: Discrete;
  private readonly scratch = new Float64Array(1);

  constructor(env: Env<State, Action>, n: number) {
    super(env);
    const box = env.actionSpace;
    if (!(box instanceof Box) || box.size !== 1)
      throw new TypeError(
        `DiscretizeAction: ${env.id} needs a 1-D Box action space, got ${box.kind === "box" ? `a Box of size ${box.size}` : "a Discrete"}`,
      );
    if (!Number.isInteger(n) || n < 2)
      throw new RangeError(`DiscretizeAction: n must be an integer >= 2, got ${n}`);
    const lo = box.low[0];
    const hi = box.high[0];
    this.values = Float64Array.from({ length: n }, (_, k) =>
      k === n - 1 ? hi : lo + (k * (hi - lo)) / (n - 1),
    );
    this.space = new Discrete(n);
  }

  override get actionSpace(): Discrete {
    return this.space;
  }

  private toContinuous(action: Action): Float64Array {
    const k = typeof action === "number" ? action : action != null && action.length === 1 ? action[0] : NaN;
    if (!this.space.contains(k)) {
      throw new RangeError(
        `${this.id} (DiscretizeAction): action must be an integer in {0, …, ${this.space.n - 1}} (Discrete(${this.space.n})), got ${String(action)}`,
      );
    }
    this.scratch[0] = this.values[k];
    return this.scratch;
  }

  override step(action: Action): StepResult {
    return this.env.step(this.toContinuous(action));
  }

  override stepInPlace(action: Action): StepView {
    return super.stepInPlace(this.toContinuous(action));
  }
}
