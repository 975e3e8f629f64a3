import { goddardReset, goddardStep, PAPER_ROCKET_REWARD_SCALE } from "../envs/goddard.js";
import type { KernelThis } from "../factor/backend/index.js";
import { vectorize, type VectorDynamics } from "./vector-dynamics.js";

/**
 * `LRPG/Rocket` vectorized: the env's own reset and step (src/envs/goddard.ts, reward scale 100)
 * per copy; state [v, h, m, h_max], observation [v, h, m]. The gpu kernel is the same step in
 * float32: thrust T = 3.5a (0 when the pre-step tank is empty, m ≤ 0.6), drag
 * D = 310·v|v|·e^{−500(h−1)}, gravity (1/h)²; v' = 0 if (h = 1 and v ≠ 0) else
 * v + dt((T − D)/m − g); h' = max(h + dt·v, 1); m' = max(m − 2dt·T, 0.6);
 * h_max ← max(h_max, h'); terminated = empty ∧ v' < 0 ∧ h_max > 1.
 */
export const rocketDynamics: VectorDynamics = vectorize({
  envId: "LRPG/Rocket",
  stateDim: 4,
  obsDim: 3,
  reset: goddardReset,
  step: (states, offset, action, out) => goddardStep(states, offset, action, PAPER_ROCKET_REWARD_SCALE, out),
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
});
