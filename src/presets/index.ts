/**
 * Ready-made agents: `makePaperAgent(kind, task)` with the LRPG reference's hyperparameters and
 * task metadata (`PAPER_TASKS`), and `makeDiscreteLrpgAgent` for CartPole-v1 / Acrobot-v1.
 */
export {
  PAPER_TASKS,
  makePaperAgent,
  paperTask,
  agentGrids,
  type GridSource,
  type PaperTask,
  type PaperAgentKind,
  type PaperTaskSpec,
  type PaperLrpgConfig,
  type PaperNnConfig,
  type MakePaperAgentOptions,
} from "./paper-agents.js";
export {
  DISCRETE_TASKS,
  makeDiscreteLrpgAgent,
  type DiscreteTask,
  type DiscreteTaskSpec,
} from "./discrete-agents.js";
export { makeLrpgAgentForEnv, type LrpgForEnvOptions } from "./env-agents.js";
export { PAPER_POPULATION_TASKS, POPULATION_TASKS, type PopulationTaskName } from "./population-tasks.js";
export {
  GYM_TASK_IDS,
  GYM_TASKS,
  GYM_METHODS,
  GYM_PG_ALGOS,
  GYM_NN_Q,
  gymMethodParts,
  gymMethodApplies,
  gymPgPreset,
  makeGymPgAgent,
  makeGymNnQAgent,
  type GymTaskId,
  type GymTaskSpec,
  type GymMethod,
  type GymModel,
  type GymPgAlgo,
  type GymPgPreset,
  type GymPgAgent,
  type GymPgOverrides,
  type GymTdSettings,
} from "./gym.js";
export { InterpolatedCp, type InterpolatedCpOptions } from "./gym-interp.js";
export { TanhMlp } from "./gym-mlp.js";
