import {
  PAPER_PENDULUM,
  paperPendulumAngle,
  paperPendulumReset,
  paperPendulumReward,
  paperPendulumSineArgument,
  paperPendulumSpeed,
  paperPendulumStep,
  paperPendulumStepFromSine,
} from "../envs/paper-pendulum.js";
import { kernelSource } from "../factor/backend/index.js";
import { formulaWriter } from "../optim/formula.js";
import { vectorize, type VectorDynamics } from "./vector-dynamics.js";

/**
 * `LRPG/Pendulum` vectorized: the env's own reset and step (src/envs/paper-pendulum.ts) per copy;
 * the gpu kernel is the same step in float32, its formulas and constants written out from the
 * env's (the clips and the angle wrap in gpu.js's subset: Math.min/max, Math.floor).
 */
const { MAX_TORQUE, MAX_SPEED, LIMIT_ANGLE } = PAPER_PENDULUM;

const f = formulaWriter(PAPER_PENDULUM);

export const pendulumDynamics: VectorDynamics = vectorize({
  envId: "LRPG/Pendulum",
  stateDim: 2,
  obsDim: 2,
  reset: paperPendulumReset,
  step: paperPendulumStep,
  // paperPendulumStep's first line: u = clip(action, −MAX_TORQUE, MAX_TORQUE); action is not read again.
  actionClip: [-MAX_TORQUE, MAX_TORQUE],
  hoistedSine: {
    argument: (states, offset) => paperPendulumSineArgument(states[offset]),
    step: paperPendulumStepFromSine,
  },
  stepKernel: kernelSource(`function pendulumStepKernel(agentIdx, states, actions) {
  const c = this.thread.x;
  const p = agentIdx[this.thread.y];
  const th = states[p * 2];
  const thdot = states[p * 2 + 1];
  const u = Math.min(Math.max(actions[p], ${-MAX_TORQUE}), ${MAX_TORQUE});
  if (c === 2) {
    const shifted = th + Math.PI;
    const n = shifted - 2 * Math.PI * Math.floor(shifted / (2 * Math.PI)) - Math.PI;
    return ${f(paperPendulumReward, "n", "thdot")};
  }
  const newThdot = ${f(paperPendulumSpeed, `Math.sin(${f(paperPendulumSineArgument, "th")})`, "thdot", "u")};
  const newTh = ${f(paperPendulumAngle, "th", "newThdot")};
  if (c === 0) {
    return newTh;
  }
  if (c === 1) {
    return Math.min(Math.max(newThdot, ${-MAX_SPEED}), ${MAX_SPEED});
  }
  if (Math.abs(newTh) > ${LIMIT_ANGLE}) {
    return 1;
  }
  return 0;
}`),
});
