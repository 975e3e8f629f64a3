/**
 * Parametrizations z = f_θ(s): forward on a batch of states, backward from ∂J/∂z into parameter
 * gradients, state dicts under the reference's names. The grid low-rank matrix (LRPG), the scalar
 * MLP (the NN baseline), stacks of several, the act memo, and P copies of the grid matrix (the
 * population).
 */
export type { Parametrization, BatchKeeping, StateDictEntry } from "./parametrization.js";
export type { BatchedParametrization } from "./parametrization.js";
export { GridLowRank, fillReferenceOrder } from "./grid-low-rank.js";
export { BatchedGridLowRank } from "./batched-grid-low-rank.js";
export { CpGrid, type CpGridOptions } from "./cp-grid.js";
export { AxisGrid, type AxisGridOptions } from "./discretizer.js";
export { ScalarMlp, type MlpActivation, type ScalarMlpOptions } from "./mlp.js";
export { RbfFeatures, type RbfOptions } from "./rbf.js";
export { StackedParametrization } from "./stack.js";
export { ActMemo } from "./memo.js";
