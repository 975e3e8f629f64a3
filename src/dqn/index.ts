export { ReplayBuffer, type ReplayBufferOptions, type ReplayBatch, type ObservationDtype } from "./replay-buffer.js";
export { LinearSchedule } from "./schedule.js";
export { argmax, epsilonGreedy } from "./epsilon-greedy.js";
export { tdTargets, type TdTargetInputs } from "./td-target.js";
export { tdLoss, type TdLoss } from "./loss.js";
export { hardUpdate, polyakUpdate } from "./target-update.js";
export { clipGradNorm } from "./grad-clip.js";
export { MINATAR_DQN_DEFAULTS, resolveDqnConfig, type DqnConfig, type DqnOptimizerConfig } from "./config.js";
export { DqnAgent, type DqnAgentOptions, type UpdateStats } from "./agent.js";
export { evaluateDqn, type EvaluationOptions, type EvaluationResult } from "./evaluate.js";
export { trainDqn, type TrainDqnOptions, type TrainDqnResult, type EpisodeRecord, type TrainLogRecord, type EvalRecord } from "./train.js";
export { ChannelsLastToFirst } from "./channels-last.js";
export { singularValues, spectrumSummary } from "./spectrum.js";
export {
  mlpQNetwork,
  minatarQNetwork,
  minatarHiddenLayer,
  MINATAR_HIDDEN_LAYER,
  type MlpQNetworkOptions,
  type MinAtarQNetworkOptions,
  type HiddenLayerSpec,
  type ConvLayerSpec,
} from "./networks.js";
