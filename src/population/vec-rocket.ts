import type { KernelThis } from "../factor/backend/index.js";
import type { VectorDynamics } from "./vector-dynamics.js";

const DT = 0.001;
const H0 = 1.0;
const M0 = 1.0;
const G0 = 1.0;
const HC = 500.0;
const M1 = 0.6 * M0;
const THRUST_MAX = 3.5 * G0 * M0;
const DC = (0.5 * 620.0 * M0) / G0;
const GAMMA = 1.0 / (0.5 * Math.sqrt(G0 * H0));
const FUEL_PER_THRUST = DT * GAMMA;
const REWARD_SCALE = 100;

/**
 * `LRPG/Rocket` vectorized (src/envs/goddard.ts, osannolik/gym-goddard's default rocket with the
 * paper's terminal reward 100·(h_max − 1)). State [v, h, m, h_max], observation [v, h, m].
 * Thrust T = 3.5a (0 when the pre-step tank is empty, m ≤ 0.6), drag D = 310·v|v|·e^{−500(h−1)},
 * gravity (1/h)²; v' = 0 if (h = 1 and v ≠ 0) else v + dt((T − D)/m − g); h' = max(h + dt·v, 1);
 * m' = max(m − 2dt·T, 0.6); h_max ← max(h_max, h'); terminated = empty ∧ v' < 0 ∧ h_max > 1.
 * Reset is deterministic: [0, 1, 1, 1]. The float64 path evaluates in the env's exact order.
 */
export const rocketDynamics: VectorDynamics = {
  envId: "LRPG/Rocket",
  stateDim: 4,
  obsDim: 3,
  reset(states: Float64Array, offset: number): void {
    states[offset] = 0.0;
    states[offset + 1] = H0;
    states[offset + 2] = M0;
    states[offset + 3] = H0;
  },
  stepCpu(states, actions, active, rewards, terminated, count): void {
    for (let p = 0; p < count; p++) {
      if (active[p] === 0) continue;
      const o = 4 * p;
      const v = states[o];
      const h = states[o + 1];
      const m = states[o + 2];
      const empty = m <= M1;
      const a = empty ? 0.0 : actions[p];
      const thrust = THRUST_MAX * a;
      const drag = DC * v * Math.abs(v) * Math.exp((-HC * (h - H0)) / H0);
      const ratio = H0 / h;
      const gravity = G0 * (ratio * ratio);
      states[o] = h === H0 && v !== 0 ? 0.0 : v + DT * ((thrust - drag) / m - gravity);
      const hNew = h + DT * v;
      states[o + 1] = hNew > H0 ? hNew : H0;
      const mNew = m - FUEL_PER_THRUST * thrust;
      states[o + 2] = mNew > M1 ? mNew : M1;
      if (states[o + 1] > states[o + 3]) states[o + 3] = states[o + 1];
      const hMax = states[o + 3];
      const done = empty && states[o] < 0 && hMax > H0;
      terminated[p] = done ? 1 : 0;
      rewards[p] = done ? REWARD_SCALE * (hMax - H0) : 0.0;
    }
  },
  stepKernel: function rocketStepKernel(
    this: KernelThis,
    agentIdx: Float32Array,
    states: Float32Array,
    actions: Float32Array,
  ): number {
    const c = this.thread.x;
    const p = agentIdx[this.thread.y];
    const v = states[p * 4];
    const h = states[p * 4 + 1];
    const m = states[p * 4 + 2];
    const hMaxOld = states[p * 4 + 3];
    let empty = 0;
    // m is float32: the dry mass 0.6 is stored as 0.6000000238…, so compare with a float32-sized margin.
    if (m <= 0.6000005) {
      empty = 1;
    }
    let thrust = 3.5 * actions[p];
    if (empty > 0.5) {
      thrust = 0;
    }
    const drag = 310 * v * Math.abs(v) * Math.exp(-500 * (h - 1));
    const ratio = 1 / h;
    const gravity = ratio * ratio;
    let vNew = v + 0.001 * ((thrust - drag) / m - gravity);
    if (h === 1) {
      if (v !== 0) {
        vNew = 0;
      }
    }
    const hNew = Math.max(h + 0.001 * v, 1);
    const mNew = Math.max(m - 0.002 * thrust, 0.6);
    const hMax = Math.max(hMaxOld, hNew);
    if (c === 0) {
      return vNew;
    }
    if (c === 1) {
      return hNew;
    }
    if (c === 2) {
      return mNew;
    }
    if (c === 3) {
      return hMax;
    }
    let done = 0;
    if (empty > 0.5) {
      if (vNew < 0) {
        if (hMax > 1) {
          done = 1;
        }
      }
    }
    if (c === 4) {
      return done * 100 * (hMax - 1);
    }
    return done;
  },
};
