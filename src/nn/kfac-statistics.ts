import type { Parameter } from "../optim/parameter.js";

/**
 * One linear map inside a layer: the unit K-FAC preconditions with one Kronecker block
 * (docs/kfac.md). The map sends an input vector a ∈ ℝ^{inDim} to s = W a (+ b) ∈ ℝ^{outDim},
 * applied at `positions` places per sample (1 for a dense layer, the output pixels of a conv, the
 * other modes' ranks for a Tucker factor). Its gradient is a sum of outer products over the rows
 * (sample, position): ∇W = Σ_rows g aᵀ, ∇b = Σ_rows g, with g = ∂J/∂s at that row.
 */
export interface KroneckerBlock {
  /** The parameter holding W. */
  readonly weight: Parameter;
  /**
   * How W's entries are stored: 'outIn' as weight[o·inDim + i] (Dense, Conv2d, a Tucker output factor),
   * 'inOut' as weight[i·outDim + o] (a low-rank R, a Tucker input factor or core).
   */
  readonly layout: "outIn" | "inOut";
  /** The bias b added by the same map, or null. K-FAC treats [W b] as one block with a ← [a; 1]. */
  readonly bias: Parameter | null;
  readonly inDim: number;
  readonly outDim: number;
  /** Places the map is applied per sample (T). */
  readonly positions: number;
}

/** A block with what the most recent forward/backward pair at one batch size saw. */
export interface KroneckerStatistics extends KroneckerBlock {
  /** batch · positions. */
  readonly rows: number;
  /** rows × inDim, row-major: the input a of every (sample, position). */
  readonly activations: Float64Array;
  /** rows × outDim, row-major: g = ∂J/∂s of every (sample, position), J the loss backpropagated last. */
  readonly outputGrads: Float64Array;
}

/**
 * What a layer offers K-FAC (optional on {@link Layer}): the linear maps it contains, and, after a
 * forward and a backward at `batch`, their inputs and output gradients. Reading the statistics does
 * not change the layer's outputs or gradients; the arrays may be the layer's own buffers, valid until
 * its next forward or backward.
 */
export interface KroneckerFactored {
  kroneckerBlocks(): readonly KroneckerBlock[];
  kroneckerStatistics(batch: number): readonly KroneckerStatistics[];
}

/** Whether a layer implements {@link KroneckerFactored}. */
export function isKroneckerFactored(layer: object): layer is KroneckerFactored {
  const l = layer as Partial<KroneckerFactored>;
  return typeof l.kroneckerBlocks === "function" && typeof l.kroneckerStatistics === "function";
}

/** A rows×cols row-major matrix transposed into `out` (cols×rows). */
export function transposeInto(
  src: Float64Array,
  rows: number,
  cols: number,
  out: Float64Array,
): Float64Array {
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = src[r * cols + c];
  return out;
}

/**
 * Mode-n fibers of a batch of tensors of shape `shape` (per sample, row-major) as rows: out[(b, pre, post), i]
 * = X[b, pre, i, post], with pre the modes before n and post those after (rows = batch·Π_{k≠n} shape[k]).
 */
export function modeFibers(
  x: Float64Array,
  batch: number,
  shape: readonly number[],
  mode: number,
  out: Float64Array,
): Float64Array {
  let pre = 1;
  for (let k = 0; k < mode; k++) pre *= shape[k];
  let post = 1;
  for (let k = mode + 1; k < shape.length; k++) post *= shape[k];
  const I = shape[mode];
  let row = 0;
  for (let p = 0; p < batch * pre; p++) {
    const base = p * I * post;
    for (let s = 0; s < post; s++, row++) {
      const dst = row * I;
      for (let i = 0; i < I; i++) out[dst + i] = x[base + i * post + s];
    }
  }
  return out;
}
