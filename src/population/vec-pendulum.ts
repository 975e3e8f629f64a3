import { paperPendulumReset, paperPendulumStep } from "../envs/paper-pendulum.js";
import type { KernelThis } from "../factor/backend/index.js";
import { vectorize, type VectorDynamics } from "./vector-dynamics.js";

/**
 * `LRPG/Pendulum` vectorized: the env's own reset and step (src/envs/paper-pendulum.ts) per copy;
 * the gpu kernel is the same step in float32: with pre-step θ, θ̇ and u = clip(a, −2, 2):
 * r = 1 − (norm(θ)² + 0.1θ̇²); θ̇' = θ̇ + (−15 sin(θ + π) + 3u)·0.05; θ' = θ + θ̇'·0.05; then
 * θ̇' ← clip(θ̇', ±8); terminated = |θ'| > π/4.
 */
export const pendulumDynamics: VectorDynamics = vectorize({
  envId: "LRPG/Pendulum",
  stateDim: 2,
  obsDim: 2,
  reset: paperPendulumReset,
  step: paperPendulumStep,
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
});
