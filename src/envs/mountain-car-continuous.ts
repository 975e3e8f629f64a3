import type { EnvOptions } from "./env.js";
import { CoreEnv } from "./core-env.js";
import { Box } from "./spaces.js";
import { f32 } from "./angle.js";

const MIN_ACTION = -1.0;
const MAX_ACTION = 1.0;
const MIN_POSITION = -1.2;
const MAX_POSITION = 0.6;
const MAX_SPEED = 0.07;
const GOAL_POSITION = 0.45;
const POWER = 0.0015;
// The same constants as float32 (what a NumPy-2 float32 scalar is compared against).
const MIN_POSITION_F32 = f32(MIN_POSITION);
const MAX_POSITION_F32 = f32(MAX_POSITION);
const MAX_SPEED_F32 = f32(MAX_SPEED);
const GOAL_POSITION_F32 = f32(GOAL_POSITION);

/**
 * `MountainCarContinuous-v0` (Gymnasium 1.4.0, `classic_control/continuous_mountain_car.py`).
 *
 * - state [p, v]; observation float32 [p, v] in [−1.2, −0.07]..[0.6, 0.07].
 * - action a ∈ Box [−1, 1]; force = clip(a, −1, 1) (out-of-range values are clipped as the
 *   reference does), but the reward penalty uses the raw a.
 * - step: v ← clip(v + force·0.0015 − 0.0025·cos 3p, ±0.07); p ← clip(p + v, −1.2, 0.6);
 *   v ← 0 at the left wall if v < 0; terminated = p ≥ 0.45 and v ≥ 0;
 *   reward = 100·[terminated] − 0.1·a².
 * - reset: p ~ U(−0.6, −0.4) (options `low`/`high`), v = 0. Registered time limit 999.
 *
 * Bit-exact with the golden data (NumPy 2, NEP 50): the reference stores the state as a
 * float64 array after reset and as a float32 array after every step, and float32 scalars
 * meeting Python floats stay float32. This port emulates those rules (docs/envs.md §2):
 * in "float32 mode" 3p is rounded to float32, an increment built from a clipped force is
 * added in float32, p + v is rounded when v is float32 or clipped, and comparisons use the
 * float32 constants. `reset` enters float64 mode. `setState(s)` infers the mode the reference
 * would be in: float32 iff both values are float32-representable and the car is moving or
 * stopped at the left wall (p = float32(−1.2)), i.e. exactly the states a step produces; a
 * resting [p, 0] is taken as reset-like (float64). So teacher forcing from recorded states and
 * getState/setState round trips are exact.
 */
export class MountainCarContinuousEnv extends CoreEnv {
  private float32Mode = false;

  constructor(options: EnvOptions = {}) {
    super(
      {
        id: "MountainCarContinuous-v0",
        observationSpace: new Box([MIN_POSITION_F32, -MAX_SPEED_F32], [MAX_POSITION_F32, MAX_SPEED_F32]),
        actionSpace: new Box([MIN_ACTION], [MAX_ACTION]),
        stateNames: ["position", "velocity"],
        outOfRangeRule:
          "clipped to [-1, 1] for the force; the reward penalty uses the raw value (reference behaviour)",
      },
      options,
    );
  }

  protected resetState(options: Readonly<Record<string, number>>): void {
    const low = options.low ?? -0.6;
    const high = options.high ?? -0.4;
    if (!(low <= high))
      throw new RangeError(
        `MountainCarContinuous-v0.reset: need options.low <= options.high, got ${low} and ${high}`,
      );
    this.state[0] = low + (high - low) * this.rng.uniform();
    this.state[1] = 0;
    this.float32Mode = false;
  }

  protected override afterSetState(): void {
    const [p, v] = this.state;
    const representable = f32(p) === p && f32(v) === v;
    // A resting car away from the left wall is what reset stores (float64); a stepped state has v ≠ 0
    // except after the inelastic wall stop, where p = float32(−1.2).
    this.float32Mode = representable && (v !== 0 || p === MIN_POSITION_F32);
  }

  protected transition(a: number): void {
    const s = this.state;
    const p = s[0];
    const v = s[1];
    const f32Mode = this.float32Mode;
    const forceClipped = a < MIN_ACTION || a > MAX_ACTION;
    const force = a < MIN_ACTION ? MIN_ACTION : a > MAX_ACTION ? MAX_ACTION : a;
    const increment = force * POWER - 0.0025 * Math.cos(f32Mode ? f32(3 * p) : 3 * p);

    // Velocity update; track whether the result is a float32 scalar.
    let vNew: number;
    let vIsF32 = false;
    if (f32Mode && forceClipped) {
      vNew = f32(v + f32(increment));
      vIsF32 = true;
    } else {
      vNew = v + increment;
    }
    const speedLimit = vIsF32 ? MAX_SPEED_F32 : MAX_SPEED;
    let vClipped = false;
    if (vNew > speedLimit) {
      vNew = MAX_SPEED;
      vClipped = true;
    } else if (vNew < -speedLimit) {
      vNew = -MAX_SPEED;
      vClipped = true;
    }

    // Position update.
    let pNew: number;
    let pIsF32 = false;
    if (f32Mode && vClipped) {
      pNew = f32(p + f32(vNew));
      pIsF32 = true;
    } else if (f32Mode && vIsF32) {
      pNew = f32(p + vNew);
      pIsF32 = true;
    } else {
      pNew = p + vNew;
    }
    if (pNew > (pIsF32 ? MAX_POSITION_F32 : MAX_POSITION)) {
      pNew = MAX_POSITION;
      pIsF32 = false;
    }
    if (pNew < (pIsF32 ? MIN_POSITION_F32 : MIN_POSITION)) {
      pNew = MIN_POSITION;
      pIsF32 = false;
    }
    if (pNew === (pIsF32 ? MIN_POSITION_F32 : MIN_POSITION) && vNew < 0) vNew = 0;

    const done = pNew >= (pIsF32 ? GOAL_POSITION_F32 : GOAL_POSITION) && vNew >= 0;
    this.view.terminated = done;
    this.view.reward = (done ? 100.0 : 0) - a * a * 0.1;
    s[0] = f32(pNew);
    s[1] = f32(vNew);
    this.float32Mode = true;
  }

  protected writeObservation(out: Float64Array): void {
    out[0] = f32(this.state[0]);
    out[1] = f32(this.state[1]);
  }
}
