import { angleNormalize } from "../envs/angle.js";
import type { KernelThis } from "../factor/backend/index.js";
import type { Rng } from "../random/rng.js";
import type { VectorDynamics } from "./vector-dynamics.js";

const MAX_SPEED = 8;
const MAX_TORQUE = 2;
const DT = 0.05;
const GRAVITY_TERM = -15;
const TORQUE_TERM = 3;
const LIMIT_ANGLE = Math.PI / 4;

/**
 * `LRPG/Pendulum` vectorized (see src/envs/paper-pendulum.ts for the task): with pre-step θ, θ̇ and
 * u = clip(a, −2, 2): r = 1 − (norm(θ)² + 0.1θ̇²); θ̇' = θ̇ + (−15 sin(θ + π) + 3u)·0.05;
 * θ' = θ + θ̇'·0.05; then θ̇' ← clip(θ̇', ±8); terminated = |θ'| > π/4. Reset θ, θ̇ ~ U(0, 0.01).
 * The float64 path evaluates in the env's exact order.
 */
export const pendulumDynamics: VectorDynamics = {
  envId: "LRPG/Pendulum",
  stateDim: 2,
  obsDim: 2,
  reset(states: Float64Array, offset: number, envRng: Rng): void {
    states[offset] = envRng.uniform() / 100;
    states[offset + 1] = envRng.uniform() / 100;
  },
  stepCpu(states, actions, active, rewards, terminated, count): void {
    for (let p = 0; p < count; p++) {
      if (active[p] === 0) continue;
      const o = 2 * p;
      const th = states[o];
      const thdot = states[o + 1];
      const action = actions[p];
      const u = action < -MAX_TORQUE ? -MAX_TORQUE : action > MAX_TORQUE ? MAX_TORQUE : action;
      const n = angleNormalize(th);
      rewards[p] = 1 - (n * n + 0.1 * (thdot * thdot));
      let newThdot = thdot + (GRAVITY_TERM * Math.sin(th + Math.PI) + TORQUE_TERM * u) * DT;
      const newTh = th + newThdot * DT;
      newThdot = newThdot < -MAX_SPEED ? -MAX_SPEED : newThdot > MAX_SPEED ? MAX_SPEED : newThdot;
      states[o] = newTh;
      states[o + 1] = newThdot;
      terminated[p] = newTh > LIMIT_ANGLE || newTh < -LIMIT_ANGLE ? 1 : 0;
    }
  },
  stepKernel: function pendulumStepKernel(
    this: KernelThis,
    agentIdx: Float32Array,
    states: Float32Array,
    actions: Float32Array,
  ): number {
    const c = this.thread.x;
    const p = agentIdx[this.thread.y];
    const th = states[p * 2];
    const thdot = states[p * 2 + 1];
    const u = Math.min(Math.max(actions[p], -2), 2);
    if (c === 2) {
      const shifted = th + Math.PI;
      const n = shifted - 2 * Math.PI * Math.floor(shifted / (2 * Math.PI)) - Math.PI;
      return 1 - (n * n + 0.1 * (thdot * thdot));
    }
    const newThdot = thdot + (-15 * Math.sin(th + Math.PI) + 3 * u) * 0.05;
    const newTh = th + newThdot * 0.05;
    if (c === 0) {
      return newTh;
    }
    if (c === 1) {
      return Math.min(Math.max(newThdot, -8), 8);
    }
    if (Math.abs(newTh) > Math.PI / 4) {
      return 1;
    }
    return 0;
  },
};
