import type { EnvOptions } from "./env.js";
import { CoreEnv } from "./core-env.js";
import { Box } from "./spaces.js";
import { angleNormalize, f32 } from "./angle.js";

const MAX_SPEED = 8;
const MAX_TORQUE = 2;
const DT = 0.05;

export interface PendulumOptions extends EnvOptions {
  /** Gravity (Gymnasium's `g` constructor argument), default 10.0. */
  g?: number;
}

/**
 * `Pendulum-v1` (Gymnasium 1.4.0, `classic_control/pendulum.py`): swing-up with m = l = 1, dt = 0.05.
 * θ = 0 is upright; θ is not wrapped in the state.
 *
 * - state [θ, θ̇] float64; observation float32 [cos θ, sin θ, θ̇] in [−1,−1,−8]..[1,1,8].
 * - action u ∈ Box [−2, 2]; out-of-range values are clipped to [−2, 2] (reference behaviour).
 * - step: r = −(norm(θ)² + 0.1·θ̇² + 0.001·u²) with pre-step θ, θ̇ and the clipped u;
 *   θ̇' = clip(θ̇ + (3g/2·sin θ + 3u)·dt, −8, 8); θ' = θ + θ̇'·dt. Never terminates.
 * - reset: θ ~ U(−x_init, x_init), θ̇ ~ U(−y_init, y_init); defaults x_init = π, y_init = 1.
 * - registered time limit 200 (applied by `makeEnv`).
 */
export class PendulumEnv extends CoreEnv {
  private readonly gravityTerm: number;
  /** sin θ of the last observation, keyed by θ (the next step needs the same value). */
  private sinCacheTheta = NaN;
  private sinCacheValue = NaN;

  constructor(options: PendulumOptions = {}) {
    super(
      {
        id: "Pendulum-v1",
        observationSpace: new Box([-1, -1, -MAX_SPEED], [1, 1, MAX_SPEED]),
        actionSpace: new Box([-MAX_TORQUE], [MAX_TORQUE]),
        stateNames: ["theta", "theta_dot"],
        outOfRangeRule: "clipped to [-2, 2] (reference behaviour)",
      },
      options,
    );
    const g = options.g ?? 10.0;
    if (!Number.isFinite(g)) throw new RangeError(`Pendulum-v1: g must be a finite number, got ${g}`);
    this.gravityTerm = (3 * g) / 2;
  }

  protected resetState(options: Readonly<Record<string, number>>): void {
    const xInit = options.x_init ?? Math.PI;
    const yInit = options.y_init ?? 1.0;
    if (!Number.isFinite(xInit) || !Number.isFinite(yInit)) {
      throw new RangeError(
        `Pendulum-v1.reset: options x_init and y_init must be finite, got ${xInit} and ${yInit}`,
      );
    }
    this.state[0] = -xInit + (xInit - -xInit) * this.rng.uniform();
    this.state[1] = -yInit + (yInit - -yInit) * this.rng.uniform();
  }

  protected transition(action: number): void {
    const s = this.state;
    const th = s[0];
    const thdot = s[1];
    const u = action < -MAX_TORQUE ? -MAX_TORQUE : action > MAX_TORQUE ? MAX_TORQUE : action;
    const n = angleNormalize(th);
    this.view.reward = -(n * n + 0.1 * (thdot * thdot) + 0.001 * (u * u));
    const sinTh = th === this.sinCacheTheta ? this.sinCacheValue : Math.sin(th);
    let newThdot = thdot + (this.gravityTerm * sinTh + 3.0 * u) * DT;
    newThdot = newThdot < -MAX_SPEED ? -MAX_SPEED : newThdot > MAX_SPEED ? MAX_SPEED : newThdot;
    s[0] = th + newThdot * DT;
    s[1] = newThdot;
    this.view.terminated = false;
  }

  protected writeObservation(out: Float64Array): void {
    const th = this.state[0];
    const sinTh = Math.sin(th);
    this.sinCacheTheta = th;
    this.sinCacheValue = sinTh;
    out[0] = f32(Math.cos(th));
    out[1] = f32(sinTh);
    out[2] = f32(this.state[1]);
  }
}
