import type { Parameter } from "../optim/parameter.js";

/**
 * A differentiable layer on flat Float64Array batches. `forward(x, batch)` caches what `backward`
 * needs; `backward(gradOut, batch)` ADDS parameter gradients into each `Parameter.grad` and
 * returns ∂loss/∂input (same layout as x). Shapes exclude the batch dimension; data are
 * row-major with the batch outermost (for images: batch × C × H × W).
 */
export interface Layer {
  readonly name: string;
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  readonly parameters: readonly Parameter[];
  readonly parameterCount: number;
  forward(x: Float64Array, batch: number): Float64Array;
  backward(gradOut: Float64Array, batch: number): Float64Array;
}
