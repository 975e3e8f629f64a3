/**
 * lowrank-rl — low-rank reinforcement learning. This entry runs anywhere JavaScript runs: nothing
 * reachable from it imports a Node built-in (test/public-api.test.ts checks the import graph).
 * Run directories, checkpoints, sweeps, reports, the CLI, saved-policy files, LASER runs and the
 * gpu.js backend need Node and are in `lowrank-rl/node` (src/node.ts), which also re-exports all of this.
 *
 * Layers (each imports only from the ones above it; the exact map is in eslint.config.js):
 *   wasm                 the WebAssembly SIMD assembler and runtime behind the GEMM, conv and optimizer kernels
 *   random, optim        seeded generator; torch-exact Adam, SGD, RMSProp
 *   factor, nn           low-rank matrices, CP/Tucker tensors, decompositions, the cpu backend; NN layers
 *   envs                 Gymnasium-style environments, wrappers, env checker, default grids
 *   parametrizations, heads, pg, lrpg, baselines
 *                        z = f_θ(s); distribution heads; REINFORCE; low-rank policies (LRPG); the NN baseline
 *   dqn, population      DQN with factorized layers; many LRPG agents in lockstep (population: lowrank-rl/node)
 *   actorcritic          A2C and ACKTR on the same layers
 *   presets              the LRPG paper's agents and hyperparameters
 *   runner, report, laser, cli   (lowrank-rl/node)
 * Kernel internals (GEMM entry points, in-place update kernels, backend switches) are not exported.
 */

// Seeded randomness
export * from "./random/index.js";

// Optimizers
export {
  Adam,
  Sgd,
  RmsProp,
  Lbfgs,
  makeParameter,
  zeroGrads,
  parameterCount,
  type AdamOptions,
  type SgdOptions,
  type RmsPropOptions,
  type LbfgsOptions,
  type Optimizer,
  type OptimizerState,
  type Parameter,
  type UpdateBackend,
} from "./optim/index.js";

// Factor math: low-rank matrices, tensors, decompositions, rank budgets, the cpu backend
export {
  LowRankMatrix,
  Tensor,
  unfold,
  fold,
  modeProduct,
  frobeniusNorm,
  relativeError,
  truncatedSvd,
  svdReconstruct,
  singularValues,
  leadingLeftSingularVectors,
  CPTensor,
  cpParameterCount,
  khatriRao,
  mttkrp,
  cpAls,
  sampleOnGrid,
  centred,
  cpRankExploration,
  type GridAxis,
  type RankError,
  type RankExplorationOptions,
  TuckerTensor,
  tuckerParameterCount,
  hosvd,
  hooi,
  tuckerRanksForFraction,
  cpRankForFraction,
  matrixRankForFraction,
  type LowRankInit,
  type MatmulPrecision,
  type TruncatedSvd,
  type CpAlsOptions,
  type CpAlsResult,
  type HooiOptions,
  type TuckerResult,
} from "./factor/index.js";
// (from the files, not factor/backend/index.ts, which also carries the Node-only gpu.js runtime)
export { CpuFactorBackend } from "./factor/backend/cpu-backend.js";
export type {
  FactorBackend,
  AdamStepConfig,
  BatchedEntries,
  BatchedFactors,
  FloatArray,
  IndexArray,
} from "./factor/backend/factor-backend.js";

// NN layers
export {
  Dense,
  LowRankDense,
  TuckerRegression,
  CPConv2d,
  Conv2d,
  ReLU,
  Flatten,
  Sequential,
  Scattering2d,
  Kfac,
  isKroneckerFactored,
  torchDefaultUniform,
  convOutputSize,
  resolveTuckerRanks,
  resolveRankOptions,
  rankOrFraction,
  MATMUL_PRECISIONS,
  type Layer,
  type DenseOptions,
  type LowRankDenseOptions,
  type TuckerRegressionOptions,
  type CPConv2dOptions,
  type Conv2dOptions,
  type ConvInputPath,
  type SequentialOptions,
  type Pair,
  type RankOptions,
  type ParsedRank,
  type Scattering2dOptions,
  type KfacOptions,
  type KroneckerBlock,
  type KroneckerStatistics,
  type KroneckerFactored,
} from "./nn/index.js";

// Environments, parametrizations, heads, update rules, agents, presets
export * from "./envs/index.js";
export * from "./parametrizations/index.js";
export * from "./heads/index.js";
export * from "./pg/index.js";
export * from "./lrpg/index.js";
export * from "./baselines/index.js";
export * from "./valuelearning/index.js";
// (from the files, not presets/index.ts, whose population tasks reach the Node-only gpu.js runtime)
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
} from "./presets/paper-agents.js";
export {
  DISCRETE_TASKS,
  makeDiscreteLrpgAgent,
  type DiscreteTask,
  type DiscreteTaskSpec,
} from "./presets/discrete-agents.js";
export { makeLrpgAgentForEnv, type LrpgForEnvOptions } from "./presets/env-agents.js";
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
} from "./presets/gym.js";
export { InterpolatedCp, type InterpolatedCpOptions } from "./presets/gym-interp.js";
export { TanhMlp } from "./presets/gym-mlp.js";

// DQN: the main pieces flat, everything under `dqn`
export {
  DqnAgent,
  ReplayBuffer,
  minatarQNetwork,
  mlpQNetwork,
  trainDqn,
  evaluateDqn,
  MINATAR_DQN_DEFAULTS,
  LinearSchedule,
  tdTargets,
  tdLoss,
  epsilonGreedy,
  hardUpdate,
  polyakUpdate,
  clipGradNorm,
  type DqnConfig,
  type DqnOptimizerConfig,
  type DqnAgentOptions,
  type ReplayBufferOptions,
  type ReplayBatch,
  type HiddenLayerSpec,
  type ConvLayerSpec,
  type MlpQNetworkOptions,
  type MinAtarQNetworkOptions,
  type TrainDqnOptions,
  type TrainDqnResult,
} from "./dqn/index.js";
export * as dqn from "./dqn/index.js";

// Actor-critic: A2C and ACKTR (A2C with K-FAC)
export * from "./actorcritic/index.js";

// LASER math: exact SVD truncation of weight matrices, rank grids, paired bootstrap, held-out selection
export {
  thinSvd,
  reconstructRank,
  energyKept,
  discardedEnergy,
  relativeFrobeniusError,
  numericalRank,
  type ThinSvd,
} from "./laser/truncated-svd.js";
export { truncateLayer, type TruncationResult } from "./laser/truncate.js";
export {
  enumerateWeightMatrices,
  findWeightMatrix,
  withTruncatedMatrix,
  withReplacedMatrix,
  LaserInputError,
  type WeightMatrix,
} from "./laser/weight-matrices.js";
export { ranksFor, DEFAULT_RANK_GRID, type RankGridSpec } from "./laser/rank-grid.js";
export {
  pairedBootstrapInterval,
  quantileSorted,
  type BootstrapOptions,
  type PairedInterval,
} from "./laser/paired-stats.js";
export { selectOnHeldOutSeeds, type HeldOutSelection } from "./laser/selection.js";
export { evaluateReturns, makeEvaluationSeeds } from "./laser/evaluate.js";
