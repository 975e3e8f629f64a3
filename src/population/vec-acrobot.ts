import { acrobotReset } from "../envs/acrobot-dynamics.js";
import { paperAcrobotStep } from "../envs/paper-acrobot.js";
import type { KernelThis } from "../factor/backend/index.js";
import { vectorize, type VectorDynamics } from "./vector-dynamics.js";

/**
 * `LRPG/Acrobot` vectorized: the env's own reset and step (src/envs/paper-acrobot.ts) per copy;
 * the gpu kernel is the same step in float32: τ = clip(a, −2, 2), one RK4 step of the book
 * dynamics (dt 0.2), angles wrapped to [−π, π], |θ̇1| ≤ 4π, |θ̇2| ≤ 9π; reward −0.1, or +100 and
 * terminated when −cos θ1 − cos(θ1 + θ2) > 1.
 */
export const acrobotDynamics: VectorDynamics = vectorize({
  envId: "LRPG/Acrobot",
  stateDim: 4,
  obsDim: 4,
  reset: acrobotReset,
  step: paperAcrobotStep,
  /** RK4 written as a 4-stage loop (stage weights 1, 2, 2, 1; stage offsets h/2, h/2, h). */
  stepKernel: function acrobotStepKernel(
    this: KernelThis,
    agentIdx: Float32Array,
    states: Float32Array,
    actions: Float32Array,
  ): number {
    const c = this.thread.x;
    const p = agentIdx[this.thread.y];
    const t1 = states[p * 4];
    const t2 = states[p * 4 + 1];
    const w1 = states[p * 4 + 2];
    const w2 = states[p * 4 + 3];
    const tau = Math.min(Math.max(actions[p], -2), 2);
    const h = 0.2;
    let a1 = t1;
    let a2 = t2;
    let a3 = w1;
    let a4 = w2;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let s4 = 0;
    for (let stage = 0; stage < 4; stage++) {
      const cos2 = Math.cos(a2);
      const sin2 = Math.sin(a2);
      const d1 = 0.25 + (1.25 + cos2) + 2;
      const d2 = 0.25 + 0.5 * cos2 + 1;
      const phi2 = 4.9 * Math.cos(a1 + a2 - Math.PI / 2);
      const phi1 = -0.5 * (a4 * a4) * sin2 - a4 * a3 * sin2 + 14.7 * Math.cos(a1 - Math.PI / 2) + phi2;
      const ddt2 = (tau + (d2 / d1) * phi1 - 0.5 * (a3 * a3) * sin2 - phi2) / (1.25 - (d2 * d2) / d1);
      const ddt1 = -(d2 * ddt2 + phi1) / d1;
      let weight = 2;
      if (stage === 0 || stage === 3) {
        weight = 1;
      }
      s1 += weight * a3;
      s2 += weight * a4;
      s3 += weight * ddt1;
      s4 += weight * ddt2;
      let hs = h / 2;
      if (stage >= 2) {
        hs = h;
      }
      const k1 = a3;
      const k2 = a4;
      a1 = t1 + hs * k1;
      a2 = t2 + hs * k2;
      a3 = w1 + hs * ddt1;
      a4 = w2 + hs * ddt2;
    }
    let n1 = t1 + (h / 6) * s1;
    let n2 = t2 + (h / 6) * s2;
    for (let r = 0; r < 3; r++) {
      if (n1 > Math.PI) {
        n1 -= 2 * Math.PI;
      }
      if (n1 < -Math.PI) {
        n1 += 2 * Math.PI;
      }
      if (n2 > Math.PI) {
        n2 -= 2 * Math.PI;
      }
      if (n2 < -Math.PI) {
        n2 += 2 * Math.PI;
      }
    }
    const n3 = Math.min(Math.max(w1 + (h / 6) * s3, -4 * Math.PI), 4 * Math.PI);
    const n4 = Math.min(Math.max(w2 + (h / 6) * s4, -9 * Math.PI), 9 * Math.PI);
    if (c === 0) {
      return n1;
    }
    if (c === 1) {
      return n2;
    }
    if (c === 2) {
      return n3;
    }
    if (c === 3) {
      return n4;
    }
    let done = 0;
    if (-Math.cos(n1) - Math.cos(n2 + n1) > 1) {
      done = 1;
    }
    if (c === 4) {
      if (done > 0.5) {
        return 100;
      }
      return -0.1;
    }
    return done;
  },
});
