/**
 * Deep Q-learning (Mnih et al. 2015) on the toolkit's hand-written layers:
 * circular typed-array replay with n-step returns, ε-greedy with a linear schedule, hard or Polyak
 * target updates, DQN / Double DQN targets, Huber or MSE loss, global-norm clipping, Adam, centered
 * RMSProp (src/optim) or K-FAC (src/nn, with the Q-network's sampled Fisher), a training loop that
 * bootstraps through truncation but not termination, fixed-seed evaluation, and Q-networks (MinAtar's conv net with a dense / low-rank / Tucker-TRL
 * hidden layer and optional CP conv; MLPs). Defaults follow MinAtar's examples/dqn.py.
 */
export {
  ReplayBuffer,
  type ReplayBufferOptions,
  type ReplayBatch,
  type ObservationDtype,
  type ReplayBufferState,
} from "./replay-buffer.js";
export { LinearSchedule } from "./schedule.js";
export { argmax, epsilonGreedy } from "./epsilon-greedy.js";
export {
  tdTargets,
  bootstrapPolicyRow,
  TD_TARGET_RULES,
  type TdTargetInputs,
  type TdTargetRule,
} from "./td-target.js";
export { SumTree } from "./sum-tree.js";
export { PrioritizedReplayBuffer, type PrioritizedReplayOptions } from "./prioritized-replay.js";
export { DuelingHead, type DuelingHeadOptions } from "./heads.js";
export {
  atomValues,
  categoricalLoss,
  expectedValues,
  projectDistribution,
  softmaxRows,
  type CategoricalSupport,
} from "./distributional.js";
export { tdLoss, type TdLoss } from "./loss.js";
export { hardUpdate, polyakUpdate } from "./target-update.js";
export { clipGradNorm } from "./grad-clip.js";
export {
  MINATAR_DQN_DEFAULTS,
  resolveDqnConfig,
  type DqnConfig,
  type DqnOptimizerConfig,
  type DqnKfacConfig,
  type PrioritizedReplayConfig,
} from "./config.js";
export {
  gaussianFisherGradients,
  categoricalFisherGradients,
  fisherNoise,
  fisherUniforms,
} from "./fisher.js";
export {
  DqnAgent,
  type DqnAgentOptions,
  type DqnAgentState,
  type ParameterSnapshot,
  type UpdateStats,
} from "./agent.js";
export { evaluateDqn, type EvaluationOptions, type EvaluationResult } from "./evaluate.js";
export {
  trainDqn,
  startDqnTraining,
  DqnDivergedError,
  type DqnTrainingLoop,
  type TrainDqnOptions,
  type TrainDqnResult,
  type EpisodeRecord,
  type TrainLogRecord,
  type EvalRecord,
  type DqnLoopState,
  type DqnTrainState,
} from "./train.js";
export { captureEnv, restoreEnv, type EnvSnapshot, type EnvLayerFields } from "./env-snapshot.js";
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
  type LayerSize,
  type QHeadSpec,
} from "./networks.js";
