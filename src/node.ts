/**
 * lowrank-rl/node — everything in `lowrank-rl`, plus the parts that need Node (files, processes,
 * worker threads, headless Chromium, native gpu.js): run directories, checkpoints and sweeps
 * (`runner`), sweeps on a Redis queue (`queue`), HTML reports (`report`), LASER runs and
 * saved-policy files (`laser`), the CLI (`cli`), the gpu.js factor backend, and population
 * training (which can run on it).
 */
export * from "./index.js";
export * as runner from "./runner/index.js";
export * as queue from "./runner/queue-api.js";
export * as report from "./report/index.js";
export * as laser from "./laser/index.js";
export * as cli from "./cli/index.js";
export {
  GpuFactorBackend,
  toFloat32,
  createBackend,
  availableBackends,
  BACKEND_KINDS,
  GPU_MODES,
  openGpuRuntime,
  probeGpuJsModes,
  resolveGpuMode,
  type BackendAvailability,
  type BackendKind,
  type BackendOptions,
  type GpuMode,
  type GpuModeProbe,
  type GpuRuntime,
} from "./factor/backend/index.js";
export {
  LrpgPopulation,
  trainPopulation,
  pendulumDynamics,
  acrobotDynamics,
  rocketDynamics,
  type LrpgPopulationOptions,
  type PopulationEpisode,
  type PopulationRun,
  type TrainPopulationOptions,
  type TrainPopulationResult,
  type PopulationTask,
  type VectorDynamics,
} from "./population/index.js";
export { PAPER_POPULATION_TASKS, POPULATION_TASKS, type PopulationTaskName } from "./presets/index.js";
