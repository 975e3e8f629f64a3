import type { EnvOptions, StepView } from "./env.js";
import { CoreEnv } from "./core-env.js";
import { Box } from "./spaces.js";

/** The "Default" rocket of osannolik/gym-goddard (SA-2 missile, dimensionless; COPS problem). */
const DT = 0.001;
const V0 = 0.0;
const H0 = 1.0;
const M0 = 1.0;
const G0 = 1.0;
const HC = 500.0;
const MC = 0.6;
const VC = 620.0;
const M1 = MC * M0;
const THRUST_MAX = 3.5 * G0 * M0;
const DC = (0.5 * VC * M0) / G0;
const GAMMA = 1.0 / (0.5 * Math.sqrt(G0 * H0));
const FUEL_PER_THRUST = DT * GAMMA;

/** The constants of the formulas below, by name (for kernels generated from them, src/optim/formula.ts). */
export const GODDARD = { DT, H0, M0, G0, HC, M1, THRUST_MAX, DC, FUEL_PER_THRUST };

/** Drag D = 310·v·|v|·exp(−500·(h − 1)). */
export function goddardDrag(v: number, h: number): number {
  return DC * v * Math.abs(v) * Math.exp((-HC * (h - H0)) / H0);
}

/** Gravity g = (1/h)², from ratio = 1/h. */
export function goddardGravity(ratio: number): number {
  return G0 * (ratio * ratio);
}

/** v' = v + dt·((T − D)/m − g) (off the pad). */
export function goddardSpeed(v: number, thrust: number, drag: number, m: number, gravity: number): number {
  return v + DT * ((thrust - drag) / m - gravity);
}

/** h + dt·v (before the floor at 1). */
export function goddardHeight(h: number, v: number): number {
  return h + DT * v;
}

/** m − 2dt·T (before the floor at 0.6). */
export function goddardMass(m: number, thrust: number): number {
  return m - FUEL_PER_THRUST * thrust;
}

/** The terminal reward rewardScale·(h_max − 1). */
export function goddardReward(rewardScale: number, hMax: number): number {
  return rewardScale * (hMax - H0);
}

export interface GoddardSpec {
  id: string;
  /** Terminal reward = rewardScale·(h_max − 1): 1 for Goddard-v0, 100 for the LRPG paper's rocket. */
  rewardScale: number;
  /** Upper bound of the mass in the observation space (1 = full tank; the paper's rocket allows negative throttle). */
  massHigh: number;
}

/** Pre-step forces of the last {@link goddardStep}, for the env's `info`. */
export interface GoddardForces {
  thrust: number;
  drag: number;
  gravity: number;
}

/** The rocket on the pad: [v, h, m, h_max] = [0, 1, 1, 1] into s[o … o + 3]. */
export function goddardReset(s: Float64Array, o: number): void {
  s[o] = V0;
  s[o + 1] = H0;
  s[o + 2] = M0;
  s[o + 3] = H0;
}

/**
 * One step of the Goddard rocket (see {@link GoddardEnv}) on [v, h, m, h_max] at s[o … o + 3] in
 * place under throttle `action`; reward (terminal reward `rewardScale`·(h_max − 1)) and
 * termination into `out`, the pre-step forces into `forces` when given. The single copy of these
 * dynamics: the envs and the population's vectorized env call it, and its gpu kernel is
 * generated from its formulas.
 */
export function goddardStep(
  s: Float64Array,
  o: number,
  action: number,
  rewardScale: number,
  out: Pick<StepView, "reward" | "terminated">,
  forces: GoddardForces | null = null,
): void {
  const v = s[o];
  const h = s[o + 1];
  const m = s[o + 2];
  const empty = m <= M1;
  const a = empty ? 0.0 : action;
  const thrust = THRUST_MAX * a;
  const drag = goddardDrag(v, h);
  const gravity = goddardGravity(H0 / h);
  s[o] = h === H0 && v !== 0 ? 0.0 : goddardSpeed(v, thrust, drag, m, gravity);
  const hNew = goddardHeight(h, v);
  s[o + 1] = hNew > H0 ? hNew : H0;
  const mNew = goddardMass(m, thrust);
  s[o + 2] = mNew > M1 ? mNew : M1;
  if (s[o + 1] > s[o + 3]) s[o + 3] = s[o + 1];
  const hMax = s[o + 3];
  const done = empty && s[o] < 0 && hMax > H0;
  out.terminated = done;
  out.reward = done ? goddardReward(rewardScale, hMax) : 0.0;
  if (forces !== null) {
    forces.thrust = thrust;
    forces.drag = drag;
    forces.gravity = gravity;
  }
}

/** Terminal reward scale of the LRPG paper's rocket: 100·(h_max − 1). */
export const PAPER_ROCKET_REWARD_SCALE = 100;

/**
 * Goddard rocket (osannolik/gym-goddard @ 1973e87, `GoddardDefaultEnv`): vertical ascent
 * maximising the apogee, dimensionless (h = 1 pad, m = 1 full, 0.6 dry).
 *
 * - state [v, h, m] plus h_max; observation [v, h, m] (float64). `getState()` returns
 *   [v, h, m, h_max]; `setState` takes that or [v, h, m] (then h_max = max(1, h)).
 * - action: throttle a, Box [0, 1]; NOT clipped (the reference passes any value through: a < 0
 *   adds mass). thrust T = 3.5·a, forced to 0 when the pre-step tank is empty (m ≤ 0.6).
 * - forward Euler from the pre-step state, drag D = 310·v·|v|·exp(−500·(h − 1)), gravity g = (1/h)²:
 *   v' = 0 if (h == 1 and v ≠ 0) else v + DT·((T − D)/m − g);  h' = max(h + DT·v, 1);
 *   m' = max(m − DT·2·T, 0.6);  h_max ← max(h_max, h').
 * - terminated = empty tank (pre-step) and v' < 0 and h_max > 1; reward rewardScale·(h_max − 1)
 *   on that step only, else 0.
 * - reset: [0, 1, 1], h_max = 1 (deterministic). info: {action, thrust, drag, gravity} (pre-step drag/gravity).
 */
export class GoddardEnv extends CoreEnv {
  private readonly rewardScale: number;
  private readonly forces: GoddardForces = { thrust: 0, drag: 0, gravity: 0 };
  private lastAction = 0;

  constructor(
    options: EnvOptions = {},
    spec: GoddardSpec = { id: "Goddard-v0", rewardScale: 1, massHigh: M0 },
  ) {
    const big = Number.MAX_VALUE;
    super(
      {
        id: spec.id,
        observationSpace: new Box([-big, 0, M1], [big, big, spec.massHigh]),
        actionSpace: new Box([0], [1]),
        stateNames: ["v", "h", "m", "h_max"],
        outOfRangeRule: "passed through unclipped (reference behaviour; a < 0 adds mass)",
      },
      options,
    );
    this.rewardScale = spec.rewardScale;
  }

  protected resetState(): void {
    goddardReset(this.state, 0);
  }

  /** [v, h, m, h_max], or [v, h, m] with h_max = max(1, h). */
  override setState(state: ArrayLike<number>): void {
    const n = state?.length === 3 ? 3 : 4;
    this.checkStateVector(state, n, n === 4 ? " (or 3 entries [v, h, m])" : "");
    super.setState(n === 4 ? state : [state[0], state[1], state[2], Math.max(H0, state[1])]);
  }

  protected transition(action: number): void {
    goddardStep(this.state, 0, action, this.rewardScale, this.view, this.forces);
    this.lastAction = action;
  }

  protected override stepInfo(): Record<string, unknown> {
    const { thrust, drag, gravity } = this.forces;
    return { action: this.lastAction, thrust, drag, gravity };
  }

  protected writeObservation(out: Float64Array): void {
    out[0] = this.state[0];
    out[1] = this.state[1];
    out[2] = this.state[2];
  }
}

/**
 * `LRPG/Rocket`: the LRPG paper's Goddard rocket (sergiorozada12/matrix-low-rank-pg @ a4bda5e,
 * `src/environments/rocket.py`): {@link GoddardEnv} with terminal reward 100·(h_max − 1).
 * No time limit (the paper cuts at T = 1000). Actions are not clipped (the paper's agent clamps to [0, 1]).
 */
export class PaperRocketEnv extends GoddardEnv {
  constructor(options: EnvOptions = {}) {
    super(options, { id: "LRPG/Rocket", rewardScale: PAPER_ROCKET_REWARD_SCALE, massHigh: Infinity });
  }
}
