export { LrpgPopulation, type LrpgPopulationOptions, type PopulationEpisode } from "./lrpg-population.js";
export {
  trainPopulation,
  type PopulationRun,
  type TrainPopulationOptions,
  type TrainPopulationResult,
} from "./train-population.js";
export type { PopulationTask } from "./tasks.js";
export type { VectorDynamics } from "./vector-dynamics.js";
export { pendulumDynamics } from "./vec-pendulum.js";
export { acrobotDynamics } from "./vec-acrobot.js";
export { rocketDynamics } from "./vec-rocket.js";
export { kernelGrid, lowRankGaussianActKernel, type KernelGrid } from "./act-kernel.js";
