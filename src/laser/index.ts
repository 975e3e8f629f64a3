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
