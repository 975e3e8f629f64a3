import type { EnvOptions } from "./env.js";
import { CoreEnv } from "./core-env.js";
import { Box, Discrete } from "./spaces.js";
import { f32 } from "./angle.js";
import { checkBoolean, layerField, type LayerFields } from "./resumable.js";

const GRAVITY = 9.8;
const MASS_CART = 1.0;
const MASS_POLE = 0.1;
const TOTAL_MASS = MASS_POLE + MASS_CART;
const HALF_LENGTH = 0.5;
const POLE_MASS_LENGTH = MASS_POLE * HALF_LENGTH;
const FORCE_MAG = 10.0;
const TAU = 0.02;
const THETA_THRESHOLD = (12 * 2 * Math.PI) / 360;
const X_THRESHOLD = 2.4;
const FLOAT32_MAX = 3.4028234663852886e38;

export interface CartPoleOptions extends EnvOptions {
  /** Gymnasium's `sutton_barto_reward`: 0 per step, −1 on (and after) termination. Default false. */
  suttonBartoReward?: boolean;
}

/**
 * `CartPole-v1` (Gymnasium 1.4.0, `classic_control/cartpole.py`), explicit Euler with τ = 0.02.
 *
 * - state [x, ẋ, θ, θ̇] float64 (θ = 0 upright); observation = float32 copy.
 * - action Discrete(2): force −10 (0) or +10 (1).
 * - dynamics: temp = (F + m_p·l·θ̇²·sin θ)/M; θ̈ = (g·sin θ − cos θ·temp)/(l·(4/3 − m_p·cos²θ/M));
 *   ẍ = temp − m_p·l·θ̈·cos θ/M; then x += τẋ, ẋ += τẍ, θ += τθ̇, θ̇ += τθ̈ (old values on the right).
 * - terminated: |x| > 2.4 or |θ| > 12° on the new state. reward 1 per step including the
 *   terminating one; stepping on after termination gives 0 (Gymnasium's warning case).
 *   `reset` and `setState` clear that "already terminated" flag (a restored state starts afresh).
 * - reset: 4 × U(−0.05, 0.05) (options `low`/`high`).
 * - registered time limit 500 (applied by `makeEnv`).
 */
export class CartPoleEnv extends CoreEnv {
  private readonly suttonBarto: boolean;
  private terminatedBefore = false;

  constructor(options: CartPoleOptions = {}) {
    super(
      {
        id: "CartPole-v1",
        observationSpace: new Box(
          [-f32(X_THRESHOLD * 2), -FLOAT32_MAX, -f32(THETA_THRESHOLD * 2), -FLOAT32_MAX],
          [f32(X_THRESHOLD * 2), FLOAT32_MAX, f32(THETA_THRESHOLD * 2), FLOAT32_MAX],
        ),
        actionSpace: new Discrete(2),
        stateNames: ["x", "x_dot", "theta", "theta_dot"],
      },
      options,
    );
    this.suttonBarto = options.suttonBartoReward ?? false;
  }

  protected resetState(options: Readonly<Record<string, number>>): void {
    const low = options.low ?? -0.05;
    const high = options.high ?? 0.05;
    if (!(low <= high))
      throw new RangeError(`CartPole-v1.reset: need options.low <= options.high, got ${low} and ${high}`);
    for (let i = 0; i < 4; i++) this.state[i] = low + (high - low) * this.rng.uniform();
    this.terminatedBefore = false;
  }

  protected override afterSetState(): void {
    this.terminatedBefore = false;
  }

  /** `terminatedBefore` decides the reward of steps taken after termination. */
  protected override extraLayerFields(): LayerFields {
    return {
      terminatedBefore: layerField(
        () => this.terminatedBefore,
        checkBoolean,
        (v) => {
          this.terminatedBefore = v;
        },
      ),
    };
  }

  protected transition(action: number): void {
    const s = this.state;
    const x = s[0];
    const xDot = s[1];
    const theta = s[2];
    const thetaDot = s[3];
    const force = action === 1 ? FORCE_MAG : -FORCE_MAG;
    const cos = Math.cos(theta);
    const sin = Math.sin(theta);
    const temp = (force + POLE_MASS_LENGTH * (thetaDot * thetaDot) * sin) / TOTAL_MASS;
    const thetaAcc =
      (GRAVITY * sin - cos * temp) / (HALF_LENGTH * (4.0 / 3.0 - (MASS_POLE * (cos * cos)) / TOTAL_MASS));
    const xAcc = temp - (POLE_MASS_LENGTH * thetaAcc * cos) / TOTAL_MASS;
    s[0] = x + TAU * xDot;
    s[1] = xDot + TAU * xAcc;
    s[2] = theta + TAU * thetaDot;
    s[3] = thetaDot + TAU * thetaAcc;
    const done =
      s[0] < -X_THRESHOLD || s[0] > X_THRESHOLD || s[2] < -THETA_THRESHOLD || s[2] > THETA_THRESHOLD;
    this.view.terminated = done;
    if (!done) {
      this.view.reward = this.suttonBarto ? 0.0 : 1.0;
    } else if (!this.terminatedBefore) {
      this.terminatedBefore = true;
      this.view.reward = this.suttonBarto ? -1.0 : 1.0;
    } else {
      this.view.reward = this.suttonBarto ? -1.0 : 0.0;
    }
  }

  protected writeObservation(out: Float64Array): void {
    const s = this.state;
    out[0] = f32(s[0]);
    out[1] = f32(s[1]);
    out[2] = f32(s[2]);
    out[3] = f32(s[3]);
  }
}
