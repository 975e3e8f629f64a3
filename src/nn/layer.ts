import type { Parameter } from "../optim/parameter.js";
import type { KroneckerBlock, KroneckerStatistics } from "./kfac-statistics.js";

/**
 * A differentiable layer on flat Float64Array batches. `forward(x, batch)` caches what `backward`
 * needs; `backward(gradOut, batch)` ADDS parameter gradients into each `Parameter.grad` and
 * returns ∂loss/∂input (same layout as x). Shapes exclude the batch dimension; data are
 * row-major with the batch outermost (for images: batch × C × H × W).
 *
 * Buffer contract of the layers in src/nn: the arrays returned by `forward` and `backward` belong
 * to the layer and are overwritten by its next call with the same batch size (one buffer per batch
 * size, so acting at batch 1 does not disturb a batch of 32); `backward` uses the most recent
 * `forward` at that batch size, and the input passed to `forward` must not change before `backward`.
 */
export interface Layer {
  readonly name: string;
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  readonly parameters: readonly Parameter[];
  readonly parameterCount: number;
  /**
   * Optional: when a layer has this flag and it is false, `backward` still adds parameter gradients
   * but skips ∂loss/∂input (returning a buffer of zeros), e.g. for a network's first layer.
   */
  computeInputGrad?: boolean;
  forward(x: Float64Array, batch: number): Float64Array;
  backward(gradOut: Float64Array, batch: number): Float64Array;
  /**
   * Optional (K-FAC, docs/kfac.md): the linear maps inside the layer, each preconditioned by one
   * Kronecker block. Layers without parameters, or whose maps K-FAC does not cover, leave it out.
   */
  kroneckerBlocks?(): readonly KroneckerBlock[];
  /**
   * Optional, with `kroneckerBlocks`: after a forward and a backward at `batch`, each block's inputs
   * and output gradients (in the order of `kroneckerBlocks`). Changes no output or gradient.
   */
  kroneckerStatistics?(batch: number): readonly KroneckerStatistics[];
}
