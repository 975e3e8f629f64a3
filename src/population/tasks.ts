import type { DiscretizerOptions } from "../lrpg/discretizer.js";
import { PAPER_TASKS } from "../presets/paper-agents.js";
import { acrobotDynamics } from "./vec-acrobot.js";
import { pendulumDynamics } from "./vec-pendulum.js";
import { rocketDynamics } from "./vec-rocket.js";
import type { VectorDynamics } from "./vector-dynamics.js";

export type PopulationTaskName = "pendulum" | "acrobot" | "rocket";
export const POPULATION_TASKS: readonly PopulationTaskName[] = ["pendulum", "acrobot", "rocket"];

/** Everything a population of LRPG agents on one task needs: the env dynamics and the agent's hyperparameters. */
export interface PopulationTask {
  readonly name: string;
  readonly dynamics: VectorDynamics;
  readonly actorGrid: DiscretizerOptions;
  readonly criticGrid: DiscretizerOptions;
  /** Default K of actor and critic. */
  readonly rank: number;
  readonly lrActor: number;
  readonly lrCritic: number;
  readonly gamma: number;
  /** T: episodes are cut after this many steps (no bootstrap). */
  readonly maxSteps: number;
  /** μ = sigmoid(z) (rocket). */
  readonly sigmoidMean: boolean;
  /** Clamp of the sampled action before it is stored and sent (rocket [0, 1]); null = raw sample. */
  readonly actionClamp: readonly [number, number] | null;
  /** ρ₀ = log σ₀ (reference 1). */
  readonly logSigmaInit: number;
}

function fromPaper(task: PopulationTaskName, dynamics: VectorDynamics): PopulationTask {
  const spec = PAPER_TASKS[task];
  if (spec.envId !== dynamics.envId)
    throw new Error(
      `population task ${task}: dynamics ${dynamics.envId} do not match the paper's env ${spec.envId}`,
    );
  const c = spec.lrpg;
  return {
    name: task,
    dynamics,
    actorGrid: c.actorGrid,
    criticGrid: c.criticGrid,
    rank: c.rank,
    lrActor: c.lrActor,
    lrCritic: c.lrCritic,
    gamma: spec.gamma,
    maxSteps: spec.maxSteps,
    sigmoidMean: c.sigmoidMean,
    actionClamp: c.actionClamp ?? null,
    logSigmaInit: 1,
  };
}

/**
 * The LRPG reference's hyperparameters per task, taken from `PAPER_TASKS` (src/presets, the values
 * `makePaperAgent("lrpg", task)` uses), with the vectorized dynamics of the task's env.
 */
export const PAPER_POPULATION_TASKS: Readonly<Record<PopulationTaskName, PopulationTask>> = {
  pendulum: fromPaper("pendulum", pendulumDynamics),
  acrobot: fromPaper("acrobot", acrobotDynamics),
  rocket: fromPaper("rocket", rocketDynamics),
};

export function populationTask(task: PopulationTaskName | PopulationTask): PopulationTask {
  if (typeof task !== "string") return task;
  const t = PAPER_POPULATION_TASKS[task];
  if (!t)
    throw new RangeError(`task must be one of ${POPULATION_TASKS.join(", ")}, got ${JSON.stringify(task)}`);
  return t;
}
