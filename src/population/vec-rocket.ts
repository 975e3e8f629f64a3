import {
  GODDARD,
  goddardDrag,
  goddardGravity,
  goddardHeight,
  goddardMass,
  goddardReset,
  goddardReward,
  goddardSpeed,
  goddardStep,
  PAPER_ROCKET_REWARD_SCALE,
} from "../envs/goddard.js";
import { kernelSource } from "../factor/backend/index.js";
import { formulaWriter } from "../optim/formula.js";
import { selectComponent, vectorize, type VectorDynamics } from "./vector-dynamics.js";

/**
 * `LRPG/Rocket` vectorized: the env's own reset and step (src/envs/goddard.ts, reward scale 100)
 * per copy; state [v, h, m, h_max], observation [v, h, m]. The gpu kernel is the same step in
 * float32, its formulas and constants written out from the env's.
 */
const { H0, M1, THRUST_MAX } = GODDARD;
const f = formulaWriter(GODDARD);
/** The empty-tank test in float32: m holds the dry mass 0.6 as 0.6000000238…, so compare with a float32-sized margin. */
const EMPTY_F32 = 0.6000005;

export const rocketDynamics: VectorDynamics = vectorize({
  envId: "LRPG/Rocket",
  stateDim: 4,
  obsDim: 3,
  reset: goddardReset,
  step: (states, offset, action, out) => goddardStep(states, offset, action, PAPER_ROCKET_REWARD_SCALE, out),
  stepKernel: kernelSource(`function rocketStepKernel(agentIdx, states, actions) {
  const c = this.thread.x;
  const p = agentIdx[this.thread.y];
  const v = states[p * 4];
  const h = states[p * 4 + 1];
  const m = states[p * 4 + 2];
  const hMaxOld = states[p * 4 + 3];
  let empty = 0;
  if (m <= ${EMPTY_F32}) {
    empty = 1;
  }
  let thrust = ${THRUST_MAX} * actions[p];
  if (empty > 0.5) {
    thrust = 0;
  }
  const drag = ${f(goddardDrag, "v", "h")};
  const gravity = ${f(goddardGravity, `(${H0} / h)`)};
  let vNew = ${f(goddardSpeed, "v", "thrust", "drag", "m", "gravity")};
  if (h === ${H0}) {
    if (v !== 0) {
      vNew = 0;
    }
  }
  const hNew = Math.max(${f(goddardHeight, "h", "v")}, ${H0});
  const mNew = Math.max(${f(goddardMass, "m", "thrust")}, ${M1});
  const hMax = Math.max(hMaxOld, hNew);
  let done = 0;
  if (empty > 0.5) {
    if (vNew < 0) {
      if (hMax > ${H0}) {
        done = 1;
      }
    }
  }
  const reward = done * ${f(goddardReward, String(PAPER_ROCKET_REWARD_SCALE), "hMax")};
  ${selectComponent(["vNew", "hNew", "mNew", "hMax", "reward", "done"])}
}`),
});
