export { makeParameter, zeroGrads, parameterCount, type Parameter } from "./parameter.js";
export type { Optimizer, OptimizerState } from "./optimizer.js";
export { Adam, type AdamOptions } from "./adam.js";
export { Sgd, type SgdOptions } from "./sgd.js";
export { RmsProp, type RmsPropOptions } from "./rmsprop.js";
export {
  Lbfgs,
  cubicInterpolate,
  type LbfgsOptions,
  type LbfgsClosure,
  type LbfgsCounters,
  type LbfgsState,
} from "./lbfgs.js";
export type { UpdateBackend } from "./wasm-update-kernels.js";
export { wasmUpdateKernelsAvailable, WASM_MIN_LENGTH } from "./wasm-update-kernels.js";
export {
  adamCoefficients,
  adamRange,
  type AdamCoefficients,
  type AdamHyperparameters,
} from "./update-rules.js";
