export type { Layer } from "./layer.js";
export { BatchBuffer } from "./batch-buffer.js";
export { torchDefaultUniform } from "./init.js";
export { Dense, type DenseOptions } from "./dense.js";
export { ReLU } from "./relu.js";
export { Flatten } from "./flatten.js";
export { Conv2d, SPARSE_MAX_DENSITY, type Conv2dOptions, type ConvInputPath } from "./conv2d.js";
export { convOutputSize, type Pair } from "./conv-geometry.js";
export { Sequential, type SequentialOptions } from "./sequential.js";
export { LowRankDense, type LowRankDenseOptions } from "./low-rank-dense.js";
export { TuckerRegression, resolveTuckerRanks, type TuckerRegressionOptions } from "./tucker-regression.js";
export { CPConv2d, type CPConv2dOptions } from "./cp-conv2d.js";
export { resolveRankOptions, rankOrFraction, type RankOptions, type ParsedRank } from "./rank.js";
export { resolvePrecision, MATMUL_PRECISIONS, type MatmulPrecision } from "./precision.js";
export { setSparseConvBackend, type SparseConvBackend } from "./sparse-conv-kernel.js";
export { Kfac, type KfacOptions } from "./kfac.js";
export {
  isKroneckerFactored,
  type KroneckerBlock,
  type KroneckerStatistics,
  type KroneckerFactored,
} from "./kfac-statistics.js";
export {
  Scattering2d,
  morletFourier,
  lowPassFourier,
  gridFrequency,
  type Scattering2dOptions,
} from "./scattering.js";
