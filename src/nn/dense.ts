import { gemmNN, gemmNT, gemmTN, type MatmulPrecision } from "../factor/gemm.js";
import { makeParameter, type Parameter } from "../optim/parameter.js";
import type { Rng } from "../random/rng.js";
import { BatchBuffer } from "./batch-buffer.js";
import { torchDefaultUniform } from "./init.js";
import type { KroneckerBlock, KroneckerStatistics } from "./kfac-statistics.js";
import type { Layer } from "./layer.js";
import { resolvePrecision } from "./precision.js";
import { checkBatch, checkDim } from "./shape.js";

export interface DenseOptions {
  inFeatures: number;
  outFeatures: number;
  /** Learn a bias b (default true). */
  bias?: boolean;
  /** Draws PyTorch's default init; without it weights and bias start at 0. */
  rng?: Rng;
  name?: string;
  /**
   * Arithmetic of the matrix products (default 'f64'). 'f32': operands and accumulation in single
   * precision, like PyTorch's float32 Linear; parameters and gradients stay Float64Array.
   */
  precision?: MatmulPrecision;
}

/**
 * Fully connected layer y = W x + b with W ∈ ℝ^{out×in} stored row-major as PyTorch does.
 * Batched: Y = X Wᵀ + 1 bᵀ. Gradients: ∇W += ∇Yᵀ X, ∇b += Σ_batch ∇Y, ∇X = ∇Y W.
 * Parameters: out·in (+ out).
 */
export class Dense implements Layer {
  readonly name: string;
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly precision: MatmulPrecision;
  /** When false, `backward` skips ∇X (e.g. first layer) and returns a zero buffer. */
  computeInputGrad = true;
  private readonly out: BatchBuffer;
  private readonly gradIn: BatchBuffer;
  private lastInput: Float64Array | null = null;
  /** The gradient the last backward received (read by {@link kroneckerStatistics}). */
  private lastGradOut: Float64Array | null = null;

  constructor(options: DenseOptions) {
    const { inFeatures, outFeatures } = options;
    checkDim(inFeatures, "Dense inFeatures");
    checkDim(outFeatures, "Dense outFeatures");
    this.name = options.name ?? "dense";
    this.precision = resolvePrecision(options.precision, "Dense precision");
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.inputShape = [inFeatures];
    this.outputShape = [outFeatures];
    this.weight = makeParameter(`${this.name}.weight`, [outFeatures, inFeatures]);
    this.bias = options.bias === false ? null : makeParameter(`${this.name}.bias`, [outFeatures]);
    if (options.rng) {
      torchDefaultUniform(this.weight.data, inFeatures, options.rng);
      if (this.bias) torchDefaultUniform(this.bias.data, inFeatures, options.rng);
    }
    this.out = new BatchBuffer(outFeatures);
    this.gradIn = new BatchBuffer(inFeatures);
  }

  get parameters(): Parameter[] {
    return this.bias ? [this.weight, this.bias] : [this.weight];
  }

  get parameterCount(): number {
    return this.weight.data.length + (this.bias ? this.bias.data.length : 0);
  }

  forward(x: Float64Array, batch: number): Float64Array {
    const { inFeatures: I, outFeatures: O } = this;
    checkBatch(this.name, "input", x, batch, I);
    this.lastInput = x;
    const y = this.out.get(batch);
    gemmNT(batch, O, I, x, 0, I, this.weight.data, 0, I, y, 0, O, false, this.precision);
    if (this.bias) {
      const b = this.bias.data;
      for (let n = 0; n < batch; n++) {
        const o = n * O;
        for (let j = 0; j < O; j++) y[o + j] += b[j];
      }
    }
    return y;
  }

  backward(gradOut: Float64Array, batch: number): Float64Array {
    const { inFeatures: I, outFeatures: O } = this;
    const x = this.lastInput;
    if (x === null) throw new Error(`${this.name}: backward called before forward`);
    checkBatch(this.name, "gradOut", gradOut, batch, O);
    this.lastGradOut = gradOut;
    gemmTN(O, I, batch, gradOut, 0, O, x, 0, I, this.weight.grad, 0, I, true, this.precision);
    if (this.bias) {
      const gb = this.bias.grad;
      for (let n = 0; n < batch; n++) {
        const o = n * O;
        for (let j = 0; j < O; j++) gb[j] += gradOut[o + j];
      }
    }
    const gx = this.gradIn.get(batch);
    if (this.computeInputGrad)
      gemmNN(batch, I, O, gradOut, 0, O, this.weight.data, 0, I, gx, 0, I, false, this.precision);
    return gx;
  }

  /** One K-FAC block: y = W x + b, a = x, g = ∂J/∂y (docs/kfac.md). */
  kroneckerBlocks(): KroneckerBlock[] {
    const { weight, bias, inFeatures: inDim, outFeatures: outDim } = this;
    return [{ weight, layout: "outIn", bias, inDim, outDim, positions: 1 }];
  }

  /** The last forward's input and the last backward's output gradient, at `batch`. */
  kroneckerStatistics(batch: number): KroneckerStatistics[] {
    const x = this.lastInput;
    const g = this.lastGradOut;
    if (x === null || g === null)
      throw new Error(`${this.name}: K-FAC statistics need a forward and a backward`);
    checkBatch(this.name, "input", x, batch, this.inFeatures);
    checkBatch(this.name, "gradOut", g, batch, this.outFeatures);
    return [{ ...this.kroneckerBlocks()[0], rows: batch, activations: x, outputGrads: g }];
  }

  /** Copies weight and bias from a Dense of the same shape. */
  copyFrom(other: Dense): void {
    if (
      other.inFeatures !== this.inFeatures ||
      other.outFeatures !== this.outFeatures ||
      (other.bias === null) !== (this.bias === null)
    ) {
      throw new RangeError(
        `${this.name}: cannot copy from ${other.name} (${other.outFeatures}×${other.inFeatures}) into ${this.outFeatures}×${this.inFeatures}`,
      );
    }
    this.weight.data.set(other.weight.data);
    if (this.bias && other.bias) this.bias.data.set(other.bias.data);
  }
}
