import type { DiscretizerOptions } from "../lrpg/discretizer.js";
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

/**
 * The LRPG reference's hyperparameters per task (../shared/docs/lrpg-reference.md §1.3, §1.5;
 * sergiorozada12/matrix-low-rank-pg `*_experiment.py`).
 */
export const PAPER_POPULATION_TASKS: Readonly<Record<PopulationTaskName, PopulationTask>> = {
  pendulum: {
    name: "pendulum",
    dynamics: pendulumDynamics,
    actorGrid: { low: [-1, -5], high: [1, 5], buckets: 10, rowDims: [0], colDims: [1] },
    criticGrid: { low: [-1, -5], high: [1, 5], buckets: 16, rowDims: [0], colDims: [1] },
    rank: 4,
    lrActor: 1e-2,
    lrCritic: 1e-1,
    gamma: 0.99,
    maxSteps: 100,
    sigmoidMean: false,
    actionClamp: null,
    logSigmaInit: 1,
  },
  acrobot: {
    name: "acrobot",
    dynamics: acrobotDynamics,
    actorGrid: { low: [-1, -1, -1, -1], high: [1, 1, 1, 1], buckets: 2, rowDims: [0, 1], colDims: [2, 3] },
    criticGrid: { low: [-1, -1, -1, -1], high: [1, 1, 1, 1], buckets: 2, rowDims: [0, 1], colDims: [2, 3] },
    rank: 2,
    lrActor: 3e-2,
    lrCritic: 1e-1,
    gamma: 0.9,
    maxSteps: 1000,
    sigmoidMean: false,
    actionClamp: null,
    logSigmaInit: 1,
  },
  rocket: {
    name: "rocket",
    dynamics: rocketDynamics,
    actorGrid: { low: [0, 1.0, 0.6], high: [0.12, 1.03, 1.0], buckets: 4, rowDims: [0], colDims: [1, 2] },
    criticGrid: { low: [0, 1.0, 0.6], high: [0.12, 1.03, 1.0], buckets: 4, rowDims: [0], colDims: [1, 2] },
    rank: 2,
    lrActor: 1e-2,
    lrCritic: 1e-1,
    gamma: 0.99,
    maxSteps: 1000,
    sigmoidMean: true,
    actionClamp: [0, 1],
    logSigmaInit: 1,
  },
};

export function populationTask(task: PopulationTaskName | PopulationTask): PopulationTask {
  if (typeof task !== "string") return task;
  const t = PAPER_POPULATION_TASKS[task];
  if (!t) throw new RangeError(`task must be one of ${POPULATION_TASKS.join(", ")}, got ${JSON.stringify(task)}`);
  return t;
}
