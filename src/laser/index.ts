/**
 * LASER — layer-selective rank reduction of trained policies (Sharma, Ash & Misra 2024), with the
 * statistics the RL_Rank_Reduction experiment (LASER on a SAC policy) lacked (docs/laser.md §1):
 *
 * - input: a saved policy (saved-policy.ts: `lowrank-rl/saved-policy` JSON with a SHA-256 checksum of
 *   the weights) or a src/runner run directory (policy-source.ts); policy-kinds.ts rebuilds the agent
 *   (`pg-run`: NN baseline / LRPG; `dqn`: MinAtar or MLP Q-network) and binds the evaluator;
 * - weight-matrices.ts enumerates every matrix: dense `*.weight`, conv kernels read as
 *   out × (in·kh·kw), and LRPG's X = L R from `<p>.L`/`<p>.R`;
 * - svd-sweep.ts replaces ONE matrix by its exact rank-k SVD truncation, evaluates on fixed seeds
 *   (common random numbers), restores and verifies the weights by checksum (subject.ts), for every
 *   rank of the grid (rank-grid.ts; full rank always included as the null control, exact by construction);
 * - kernel-sweep.ts does the same for conv kernels with CP-ALS / Tucker-HOOI models (kernel-decompositions.ts,
 *   monotone in rank);
 * - laser-row.ts / paired-stats.ts: per trial, mean and std of returns, mean paired delta, percentile
 *   bootstrap interval over seeds, significance flag; selection.ts re-measures the best trial on held-out seeds;
 * - run-laser.ts runs everything; laser-output.ts writes CSV, Markdown, JSON and the HTML page.
 */
export {
  type NestedTensor,
  type NestedStateDict,
  type DenseTensor,
  shapeOf,
  toDense,
  toNested,
  cloneStateDict,
} from "./tensor.js";
export { stateDictChecksum, bytesChecksum } from "./checksum.js";
export {
  SAVED_POLICY_FORMAT,
  SAVED_POLICY_VERSION,
  type SavedPolicy,
  SavedPolicyError,
  makeSavedPolicy,
  readSavedPolicy,
  writeSavedPolicy,
  parseSavedPolicy,
} from "./saved-policy.js";
export {
  type ThinSvd,
  thinSvd,
  reconstructRank,
  energyKept,
  discardedEnergy,
  relativeFrobeniusError,
  numericalRank,
} from "./truncated-svd.js";
export {
  type WeightMatrix,
  type WeightMatrixKind,
  LaserInputError,
  enumerateWeightMatrices,
  findWeightMatrix,
  checkTargetRank,
  withReplacedMatrix,
  withTruncatedMatrix,
} from "./weight-matrices.js";
export { type RankGridSpec, DEFAULT_RANK_GRID, ranksFor } from "./rank-grid.js";
export {
  mean,
  sampleStd,
  type BootstrapOptions,
  type PairedInterval,
  pairedBootstrapInterval,
  quantileSorted,
} from "./paired-stats.js";
export {
  type ActingPolicy,
  type EvaluationMode,
  type EvaluationOptions,
  makeEvaluationSeeds,
  evaluateReturns,
} from "./evaluate.js";
export {
  type LaserMethod,
  type LaserBaseline,
  type LaserRow,
  makeBaseline,
  returnColumns,
} from "./laser-row.js";
export { type LaserSubject, TrialRunner } from "./subject.js";
export { type SvdSweepOptions, type SvdSweepResult, type MatrixSummary, runSvdSweep } from "./svd-sweep.js";
export { type TruncationResult, truncateLayer } from "./truncate.js";
export {
  type KernelApproximation,
  type CpSweepOptions,
  type TuckerSweepOptions,
  cpSweep,
  tuckerSweep,
  tuckerRanksFor,
  maxCpRank,
} from "./kernel-decompositions.js";
export {
  type KernelGridSpec,
  type KernelSweepOptions,
  type KernelSweepResult,
  type KernelSummary,
  DEFAULT_KERNEL_GRID,
  runKernelSweep,
} from "./kernel-sweep.js";
export { type EnvSource } from "./evaluate.js";
export { parametersToStateDict, loadParametersFromStateDict } from "./parameters-state-dict.js";
export {
  type EvaluationSettings,
  type BuiltPolicy,
  type PolicyKindBuilder,
  type DqnPolicyOptions,
  registerPolicyKind,
  listPolicyKinds,
  buildPolicy,
  pgRunKind,
  dqnKind,
  makeDqnNetwork,
} from "./policy-kinds.js";
export { type PolicySource, loadPolicySource, assertSourceUnchanged } from "./policy-source.js";
export { type LaserRunOptions, type LaserReport, runLaser } from "./run-laser.js";
export {
  LASER_CSV_COLUMNS,
  type LaserOutputFiles,
  laserRowsToCsv,
  laserRowsToMarkdown,
  laserFigures,
  writeLaserOutputs,
} from "./laser-output.js";
export { type HeldOutSelection, selectOnHeldOutSeeds } from "./selection.js";
export { selectionSentence } from "./laser-output.js";
