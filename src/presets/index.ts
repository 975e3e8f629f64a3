export {
  PAPER_TASKS,
  makePaperAgent,
  paperTask,
  type PaperTask,
  type PaperAgentKind,
  type PaperTaskSpec,
  type PaperLrpgConfig,
  type PaperNnConfig,
  type MakePaperAgentOptions,
} from "./paper-agents.js";
export { DISCRETE_TASKS, makeDiscreteLrpgAgent, type DiscreteTask, type DiscreteTaskSpec } from "./discrete-agents.js";
