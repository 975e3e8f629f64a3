import type { EnvOptions, StepView } from "./env.js";
import { CoreEnv } from "./core-env.js";
import { Box } from "./spaces.js";
import { MAX_VEL_1, MAX_VEL_2, acrobotReachedGoal, acrobotReset, acrobotStep } from "./acrobot-dynamics.js";

export const MAX_TORQUE = 2;
export const GOAL_REWARD = 100.0;
export const STEP_REWARD = -0.1;

/**
 * One `LRPG/Acrobot` step of the state at s[o … o + 3] in place (see {@link PaperAcrobotEnv}),
 * reward and termination into `out`: the env and the population's vectorized env both call it.
 */
export function paperAcrobotStep(
  s: Float64Array,
  o: number,
  action: number,
  out: Pick<StepView, "reward" | "terminated">,
): void {
  const tau = action < -MAX_TORQUE ? -MAX_TORQUE : action > MAX_TORQUE ? MAX_TORQUE : action;
  acrobotStep(s, o, tau);
  const done = acrobotReachedGoal(s, o);
  out.terminated = done;
  out.reward = done ? GOAL_REWARD : STEP_REWARD;
}

/**
 * `LRPG/Acrobot`: the LRPG paper's continuous-torque acrobot (sergiorozada12/matrix-low-rank-pg
 * @ a4bda5e, `src/environments/acrobot.py`, on gym 0.26.2's book dynamics, {@link acrobotStep}).
 *
 * - state = observation = raw [θ1, θ2, θ̇1, θ̇2] (float64), in [−π, π]² × [−4π, 4π] × [−9π, 9π].
 * - action: torque τ, Box [−2, 2]; out-of-range values are clipped to [−2, 2] as the reference does.
 * - reward −0.1 per step, +100 on the step reaching the goal −cos θ1 − cos(θ2 + θ1) > 1 (terminated).
 * - reset: each component U(−0.1, 0.1), rounded to float32 (gym 0.26.2 AcrobotEnv.reset).
 * - no time limit (the paper cuts at T = 1000).
 */
export class PaperAcrobotEnv extends CoreEnv {
  constructor(options: EnvOptions = {}) {
    super(
      {
        id: "LRPG/Acrobot",
        observationSpace: new Box(
          [-Math.PI, -Math.PI, -MAX_VEL_1, -MAX_VEL_2],
          [Math.PI, Math.PI, MAX_VEL_1, MAX_VEL_2],
        ),
        actionSpace: new Box([-MAX_TORQUE], [MAX_TORQUE]),
        stateNames: ["theta1", "theta2", "dtheta1", "dtheta2"],
        outOfRangeRule: "clipped to [-2, 2] (reference behaviour)",
      },
      options,
    );
  }

  protected resetState(): void {
    acrobotReset(this.state, 0, this.rng);
  }

  protected transition(action: number): void {
    paperAcrobotStep(this.state, 0, action, this.view);
  }

  protected writeObservation(out: Float64Array): void {
    out.set(this.state);
  }
}
