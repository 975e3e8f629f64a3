import type { EnvOptions } from "./env.js";
import { CoreEnv } from "./core-env.js";
import { Box, Discrete } from "./spaces.js";
import { f32 } from "./angle.js";
import { MAX_VEL_1, MAX_VEL_2, acrobotReset, acrobotStep } from "./acrobot-dynamics.js";

const TORQUES = [-1.0, 0.0, 1.0];

export interface AcrobotOptions extends EnvOptions {
  /** "book" (default, Gymnasium's default) or "nips" dynamics. */
  bookOrNips?: "book" | "nips";
}

/**
 * `Acrobot-v1` (Gymnasium 1.4.0, `classic_control/acrobot.py`), dynamics in {@link acrobotStep}.
 *
 * - state [θ1, θ2, θ̇1, θ̇2] float64 (θ1 = 0: link 1 hangs down; θ2 relative to link 1).
 * - observation float32 [cos θ1, sin θ1, cos θ2, sin θ2, θ̇1, θ̇2].
 * - action Discrete(3) → torque −1, 0, +1 (no torque noise).
 * - terminated: −cos θ1 − cos(θ2 + θ1) > 1 on the new state; reward −1 per step, 0 on the terminating step.
 * - reset: each component U(low, high) (defaults −0.1, 0.1; `options.low/high`), then rounded to float32.
 * - registered time limit 500 (applied by `makeEnv`).
 */
export class AcrobotEnv extends CoreEnv {
  private readonly nips: boolean;
  // Trig values the next computation needs again, keyed by their argument (so never stale):
  // cos θ1 of the goal test → observation; cos/sin θ2 of the observation → the next RK4 stage 1.
  private cos1Key = NaN;
  private cos1 = NaN;
  private trig2Key = NaN;
  private cos2 = NaN;
  private sin2 = NaN;

  constructor(options: AcrobotOptions = {}) {
    super(
      {
        id: "Acrobot-v1",
        observationSpace: new Box(
          [-1, -1, -1, -1, -f32(MAX_VEL_1), -f32(MAX_VEL_2)],
          [1, 1, 1, 1, f32(MAX_VEL_1), f32(MAX_VEL_2)],
        ),
        actionSpace: new Discrete(3),
        stateNames: ["theta1", "theta2", "dtheta1", "dtheta2"],
      },
      options,
    );
    const mode = options.bookOrNips ?? "book";
    if (mode !== "book" && mode !== "nips")
      throw new RangeError(`Acrobot-v1: bookOrNips must be "book" or "nips", got ${String(mode)}`);
    this.nips = mode === "nips";
  }

  protected resetState(options: Readonly<Record<string, number>>): void {
    const low = options.low ?? -0.1;
    const high = options.high ?? 0.1;
    if (!(low <= high))
      throw new RangeError(`Acrobot-v1.reset: need options.low <= options.high, got ${low} and ${high}`);
    acrobotReset(this.state, 0, this.rng, low, high);
  }

  protected transition(action: number): void {
    const s = this.state;
    if (s[1] === this.trig2Key) acrobotStep(s, 0, TORQUES[action], this.nips, this.cos2, this.sin2);
    else acrobotStep(s, 0, TORQUES[action], this.nips);
    // the goal test −cos θ1 − cos(θ2 + θ1) > 1 (acrobotReachedGoal), keeping cos θ1
    const c1 = Math.cos(s[0]);
    this.cos1Key = s[0];
    this.cos1 = c1;
    const done = -c1 - Math.cos(s[1] + s[0]) > 1.0;
    this.view.terminated = done;
    this.view.reward = done ? 0.0 : -1.0;
  }

  protected writeObservation(out: Float64Array): void {
    const s = this.state;
    const c2 = Math.cos(s[1]);
    const s2 = Math.sin(s[1]);
    this.trig2Key = s[1];
    this.cos2 = c2;
    this.sin2 = s2;
    out[0] = f32(s[0] === this.cos1Key ? this.cos1 : Math.cos(s[0]));
    out[1] = f32(Math.sin(s[0]));
    out[2] = f32(c2);
    out[3] = f32(s2);
    out[4] = f32(s[2]);
    out[5] = f32(s[3]);
  }
}
