export { LowRankMatrix, type LowRankInit } from "./low-rank-matrix.js";
export {
  gemmNN,
  gemmNT,
  gemmTN,
  gemmStrided,
  setGemmBackend,
  type GemmBackend,
  type MatmulPrecision,
} from "./gemm.js";
export { wasmGemmAvailable } from "./wasm-gemm.js";
export { wasmGemmF32Available } from "./wasm-gemm-rows.js";
export { Tensor, unfold, fold, modeProduct, frobeniusNorm, relativeError } from "./tensor.js";
export {
  truncatedSvd,
  svdReconstruct,
  singularValues,
  leadingLeftSingularVectors,
  type TruncatedSvd,
} from "./svd.js";
export { CPTensor, cpParameterCount, khatriRao, mttkrp } from "./cp-tensor.js";
export { cpAls, type CpAlsOptions, type CpAlsResult } from "./cp-als.js";
export {
  sampleOnGrid,
  centred,
  cpRankExploration,
  type GridAxis,
  type RankError,
  type RankExplorationOptions,
} from "./rank-exploration.js";
export { TuckerTensor, tuckerParameterCount } from "./tucker-tensor.js";
export { hosvd, hooi, type HooiOptions, type TuckerResult } from "./tucker-decomposition.js";
export { projectModeInto, projectModeBackward } from "./mode-projection.js";
export { tuckerRanksForFraction, cpRankForFraction, matrixRankForFraction } from "./rank-budget.js";
