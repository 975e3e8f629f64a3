import type { PopulationTask } from "../population/tasks.js";
import { acrobotDynamics } from "../population/vec-acrobot.js";
import { pendulumDynamics } from "../population/vec-pendulum.js";
import { rocketDynamics } from "../population/vec-rocket.js";
import type { VectorDynamics } from "../population/vector-dynamics.js";
import { PAPER_TASKS } from "./paper-agents.js";

export type PopulationTaskName = "pendulum" | "acrobot" | "rocket";
export const POPULATION_TASKS: readonly PopulationTaskName[] = ["pendulum", "acrobot", "rocket"];

function fromPaper(task: PopulationTaskName, dynamics: VectorDynamics): PopulationTask {
  const spec = PAPER_TASKS[task];
  if (spec.envId !== dynamics.envId)
    throw new Error(
      `population task ${task}: dynamics ${dynamics.envId} do not match the paper's env ${spec.envId}`,
    );
  const { actionClamp, ...c } = spec.lrpg;
  const { gamma, maxSteps } = spec;
  return { name: task, dynamics, ...c, gamma, maxSteps, actionClamp: actionClamp ?? null, logSigmaInit: 1 };
}

/**
 * The LRPG reference's hyperparameters per task (`PAPER_TASKS`, the values `makePaperAgent("lrpg", task)`
 * uses) with the vectorized dynamics of the task's env, for `LrpgPopulation` / `trainPopulation`.
 */
export const PAPER_POPULATION_TASKS: Readonly<Record<PopulationTaskName, PopulationTask>> = {
  pendulum: fromPaper("pendulum", pendulumDynamics),
  acrobot: fromPaper("acrobot", acrobotDynamics),
  rocket: fromPaper("rocket", rocketDynamics),
};
