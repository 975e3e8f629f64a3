import {
  ACROBOT,
  acrobotD1,
  acrobotD2,
  acrobotDdt1,
  acrobotDdt2,
  acrobotNumerator,
  acrobotPhi1,
  acrobotPhi2,
  acrobotReset,
} from "../envs/acrobot-dynamics.js";
import { GOAL_REWARD, MAX_TORQUE, paperAcrobotStep, STEP_REWARD } from "../envs/paper-acrobot.js";
import { kernelSource } from "../factor/backend/index.js";
import { formulaWriter } from "../optim/formula.js";
import { selectComponent, vectorize, type VectorDynamics } from "./vector-dynamics.js";

const { ACROBOT_DT, MAX_VEL_1, MAX_VEL_2 } = ACROBOT;
const f = formulaWriter(ACROBOT);

/**
 * `LRPG/Acrobot` vectorized: the env's own reset and step (src/envs/paper-acrobot.ts) per copy;
 * the gpu kernel is the same step in float32, the derivative written out from the env's formulas
 * (acrobot-dynamics.ts): τ = clip(a, −2, 2), one RK4 step of dt 0.2, angles wrapped to [−π, π],
 * |θ̇1| ≤ 4π, |θ̇2| ≤ 9π; reward −0.1, or +100 and terminated when −cos θ1 − cos(θ1 + θ2) > 1.
 */
export const acrobotDynamics: VectorDynamics = vectorize({
  envId: "LRPG/Acrobot",
  stateDim: 4,
  obsDim: 4,
  reset: acrobotReset,
  step: paperAcrobotStep,
  // paperAcrobotStep's first line: τ = clip(action, −MAX_TORQUE, MAX_TORQUE); action is not read again.
  actionClip: [-MAX_TORQUE, MAX_TORQUE],
  /** RK4 written as a 4-stage loop (stage weights 1, 2, 2, 1; stage offsets h/2, h/2, h). */
  stepKernel: kernelSource(`function acrobotStepKernel(agentIdx, states, actions) {
  const c = this.thread.x;
  const p = agentIdx[this.thread.y];
  const t1 = states[p * 4];
  const t2 = states[p * 4 + 1];
  const w1 = states[p * 4 + 2];
  const w2 = states[p * 4 + 3];
  const tau = Math.min(Math.max(actions[p], ${-MAX_TORQUE}), ${MAX_TORQUE});
  const h = ${ACROBOT_DT};
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
    const d1 = ${f(acrobotD1, "cos2")};
    const d2 = ${f(acrobotD2, "cos2")};
    const phi2 = ${f(acrobotPhi2, "a1", "a2")};
    const phi1 = ${f(acrobotPhi1, "a1", "sin2", "a3", "a4", "phi2")};
    const ddt2 = ${f(acrobotDdt2, f(acrobotNumerator, "tau", "d1", "d2", "phi1", "phi2", "a3", "sin2"), "d1", "d2")};
    const ddt1 = ${f(acrobotDdt1, "d1", "d2", "ddt2", "phi1")};
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
  const n3 = Math.min(Math.max(w1 + (h / 6) * s3, ${-MAX_VEL_1}), ${MAX_VEL_1});
  const n4 = Math.min(Math.max(w2 + (h / 6) * s4, ${-MAX_VEL_2}), ${MAX_VEL_2});
  let done = 0;
  if (-Math.cos(n1) - Math.cos(n2 + n1) > 1) {
    done = 1;
  }
  let reward = ${STEP_REWARD};
  if (done > 0.5) {
    reward = ${GOAL_REWARD};
  }
  ${selectComponent(["n1", "n2", "n3", "n4", "reward", "done"])}
}`),
});
