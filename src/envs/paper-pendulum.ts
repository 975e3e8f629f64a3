import type { EnvOptions, StepView } from "./env.js";
import { CoreEnv } from "./core-env.js";
import type { Rng } from "../random/rng.js";
import { Box } from "./spaces.js";
import { angleNormalize } from "./angle.js";

const MAX_SPEED = 8;
const MAX_TORQUE = 2;
const DT = 0.05;
/** −3g/(2l) with g = 10, l = 1. */
const GRAVITY_TERM = -15;
/** 3/(m l²) with m = l = 1. */
const TORQUE_TERM = 3;
const LIMIT_ANGLE = Math.PI / 4;

/** The constants of the formulas below, by name (for kernels generated from them, src/optim/formula.ts). */
export const PAPER_PENDULUM = { MAX_SPEED, MAX_TORQUE, DT, GRAVITY_TERM, TORQUE_TERM, LIMIT_ANGLE };

/** r = 1 − (n² + 0.1·θ̇²), n = θ wrapped to [−π, π). */
export function paperPendulumReward(n: number, thdot: number): number {
  return 1 - (n * n + 0.1 * (thdot * thdot));
}

/** θ̇' = θ̇ + (−15·sin(θ + π) + 3u)·dt (before the clip to ±8), with `sine` = sin(θ + π). */
export function paperPendulumSpeed(sine: number, thdot: number, u: number): number {
  return thdot + (GRAVITY_TERM * sine + TORQUE_TERM * u) * DT;
}

/** θ + π: the argument of the step's one transcendental, sin(θ + π). */
export function paperPendulumSineArgument(th: number): number {
  return th + Math.PI;
}

/** θ' = θ + θ̇'·dt with the unclipped θ̇'. */
export function paperPendulumAngle(th: number, newThdot: number): number {
  return th + newThdot * DT;
}

/** Draws [θ, θ̇] ~ U(0, 0.01)² into s[o], s[o + 1] (the reference's `rand(2)/100`). */
export function paperPendulumReset(s: Float64Array, o: number, rng: Rng): void {
  s[o] = rng.uniform() / 100;
  s[o + 1] = rng.uniform() / 100;
}

/**
 * One `LRPG/Pendulum` step of [θ, θ̇] at s[o], s[o + 1] in place (see {@link PaperPendulumEnv}),
 * reward and termination into `out`. The single copy of these dynamics: the env and the
 * population's vectorized env call it, and its gpu kernel is generated from its formulas.
 */
export function paperPendulumStep(
  s: Float64Array,
  o: number,
  action: number,
  out: Pick<StepView, "reward" | "terminated">,
): void {
  paperPendulumStepFromSine(s, o, action, Math.sin(paperPendulumSineArgument(s[o])), out);
}

/**
 * {@link paperPendulumStep} with its sin(θ + π) computed by the caller: `sine` must be
 * `Math.sin(paperPendulumSineArgument(s[o]))` (or a function equal to it bit for bit), which lets
 * a population compute the sines of all its copies at once.
 */
export function paperPendulumStepFromSine(
  s: Float64Array,
  o: number,
  action: number,
  sine: number,
  out: Pick<StepView, "reward" | "terminated">,
): void {
  const th = s[o];
  const thdot = s[o + 1];
  const u = action < -MAX_TORQUE ? -MAX_TORQUE : action > MAX_TORQUE ? MAX_TORQUE : action;
  out.reward = paperPendulumReward(angleNormalize(th), thdot);
  let newThdot = paperPendulumSpeed(sine, thdot, u);
  const newTh = paperPendulumAngle(th, newThdot);
  newThdot = newThdot < -MAX_SPEED ? -MAX_SPEED : newThdot > MAX_SPEED ? MAX_SPEED : newThdot;
  s[o] = newTh;
  s[o + 1] = newThdot;
  out.terminated = newTh > LIMIT_ANGLE || newTh < -LIMIT_ANGLE;
}

/**
 * `LRPG/Pendulum`: the inverted-pendulum *balancing* task of the LRPG paper
 * (sergiorozada12/matrix-low-rank-pg @ a4bda5e, `src/environments/pendulum.py`, on gym 0.26.2's
 * pendulum constants g = 10, m = l = 1, dt = 0.05). θ = 0 is upright; θ is never wrapped.
 *
 * - state = observation = [θ, θ̇] (float64).
 * - action: torque u, Box [−2, 2]; out-of-range values are clipped to [−2, 2] as the reference does.
 * - step (pre-step θ, θ̇): r = 1 − (norm(θ)² + 0.1·θ̇²) (no torque cost);
 *   θ̇' = θ̇ + (−15·sin(θ + π) + 3u)·dt; θ' = θ + θ̇'·dt with the UNclipped θ̇';
 *   then θ̇' ← clip(θ̇', −8, 8) (old gym order); terminated = |θ'| > π/4.
 * - reset: θ, θ̇ ~ U(0, 0.01) each (the reference's `rand(2)/100`).
 * - no time limit (the paper's training loop cuts episodes at T = 100).
 */
export class PaperPendulumEnv extends CoreEnv {
  constructor(options: EnvOptions = {}) {
    super(
      {
        id: "LRPG/Pendulum",
        observationSpace: new Box([-Infinity, -MAX_SPEED], [Infinity, MAX_SPEED]),
        actionSpace: new Box([-MAX_TORQUE], [MAX_TORQUE]),
        stateNames: ["theta", "theta_dot"],
        outOfRangeRule: "clipped to [-2, 2] (reference behaviour)",
      },
      options,
    );
  }

  protected resetState(): void {
    paperPendulumReset(this.state, 0, this.rng);
  }

  protected transition(action: number): void {
    paperPendulumStep(this.state, 0, action, this.view);
  }

  protected writeObservation(out: Float64Array): void {
    out[0] = this.state[0];
    out[1] = this.state[1];
  }
}
