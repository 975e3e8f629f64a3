import { gemmNN, gemmNT, gemmTN, type MatmulPrecision } from "../factor/gemm.js";
import { LowRankMatrix } from "../factor/low-rank-matrix.js";
import { matrixRankForFraction } from "../factor/rank-budget.js";
import { truncatedSvd } from "../factor/svd.js";
import { makeParameter, type Parameter } from "../optim/parameter.js";
import type { Rng } from "../random/rng.js";
import { BatchBuffer } from "./batch-buffer.js";
import type { Dense } from "./dense.js";
import { torchDefaultUniform } from "./init.js";
import type { KroneckerBlock, KroneckerStatistics } from "./kfac-statistics.js";
import type { Layer } from "./layer.js";
import { resolvePrecision } from "./precision.js";
import { resolveRankOptions, type RankOptions } from "./rank.js";
import { checkBatch, checkDim } from "./shape.js";

export interface LowRankDenseOptions extends RankOptions {
  inFeatures: number;
  outFeatures: number;
  /** The rank K, an integer in [1, min(in, out)]. Give this or `parameterFraction`. */
  rank?: number;
  /** Fraction f in (0, 1] of the dense out·in weights: K = round(f·out·in/(out+in)). Give this or `rank`. */
  parameterFraction?: number;
  bias?: boolean;
  /**
   * Random init: L and R ~ N(0, σ²) with σ⁴·K = 1/(3·in), so each entry of W = L Rᵀ has the variance
   * of PyTorch's default U(±1/√in) dense init; bias U(±1/√in). Without it everything starts at 0.
   */
  rng?: Rng;
  name?: string;
  /**
   * Arithmetic of the matrix products (default 'f64'). 'f32': operands and accumulation in single
   * precision, like PyTorch's float32 layers; parameters and gradients stay Float64Array.
   */
  precision?: MatmulPrecision;
}

/**
 * Dense layer with a rank-K weight W = L Rᵀ (L ∈ ℝ^{out×K}, R ∈ ℝ^{in×K}, a {@link LowRankMatrix}):
 * y = L (Rᵀ x) + b, so a batch costs K·(in + out) multiply–adds per sample instead of in·out.
 * Gradients with H = X R: ∇L += ∇Yᵀ H, ∇H = ∇Y L, ∇R += Xᵀ ∇H, ∇X = ∇H Rᵀ.
 * Parameters: K·(in + out) (+ out).
 */
export class LowRankDense implements Layer {
  readonly name: string;
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly rank: number;
  readonly matrix: LowRankMatrix;
  readonly bias: Parameter | null;
  readonly precision: MatmulPrecision;
  computeInputGrad = true;
  private readonly hidden: BatchBuffer;
  private readonly gradHidden: BatchBuffer;
  private readonly out: BatchBuffer;
  private readonly gradIn: BatchBuffer;
  private lastInput: Float64Array | null = null;
  /** The gradient the last backward received (read by {@link kroneckerStatistics}). */
  private lastGradOut: Float64Array | null = null;

  constructor(options: LowRankDenseOptions) {
    const { inFeatures: I, outFeatures: O } = options;
    checkDim(I, "LowRankDense inFeatures");
    checkDim(O, "LowRankDense outFeatures");
    const parsed = resolveRankOptions(options, "LowRankDense");
    const K = parsed.kind === "fraction" ? matrixRankForFraction(O, I, parsed.fraction) : parsed.rank;
    if (K > Math.min(I, O))
      throw new RangeError(`LowRankDense rank must be in [1, min(in, out) = ${Math.min(I, O)}], got ${K}`);
    this.name = options.name ?? "lowrank";
    this.precision = resolvePrecision(options.precision, "LowRankDense precision");
    this.inFeatures = I;
    this.outFeatures = O;
    this.rank = K;
    this.inputShape = [I];
    this.outputShape = [O];
    this.matrix = new LowRankMatrix(O, I, K, this.name);
    this.bias = options.bias === false ? null : makeParameter(`${this.name}.bias`, [O]);
    if (options.rng) {
      const sigma = Math.pow(1 / (3 * I * K), 0.25);
      options.rng.fillNormal(this.matrix.L.data, 0, sigma);
      options.rng.fillNormal(this.matrix.R.data, 0, sigma);
      if (this.bias) torchDefaultUniform(this.bias.data, I, options.rng);
    }
    this.hidden = new BatchBuffer(K);
    this.gradHidden = new BatchBuffer(K);
    this.out = new BatchBuffer(O);
    this.gradIn = new BatchBuffer(I);
  }

  get parameters(): Parameter[] {
    return this.bias ? [this.matrix.L, this.matrix.R, this.bias] : [this.matrix.L, this.matrix.R];
  }

  get parameterCount(): number {
    return this.matrix.parameterCount + (this.bias ? this.outFeatures : 0);
  }

  /** Best rank-K approximation of a Dense layer's weight (truncated SVD, L = U√Σ, R = V√Σ); copies the bias. */
  initFrom(dense: Dense): this {
    if (dense.inFeatures !== this.inFeatures || dense.outFeatures !== this.outFeatures) {
      throw new RangeError(
        `${this.name}.initFrom: dense is ${dense.outFeatures}×${dense.inFeatures}, expected ${this.outFeatures}×${this.inFeatures}`,
      );
    }
    const K = this.rank;
    const svd = truncatedSvd(dense.weight.data, this.outFeatures, this.inFeatures, K);
    const L = this.matrix.L.data;
    const R = this.matrix.R.data;
    for (let r = 0; r < K; r++) {
      const root = Math.sqrt(svd.s[r]);
      for (let i = 0; i < this.outFeatures; i++) L[i * K + r] = svd.U[i * K + r] * root;
      for (let j = 0; j < this.inFeatures; j++) R[j * K + r] = svd.V[j * K + r] * root;
    }
    if (this.bias) {
      if (dense.bias) this.bias.data.set(dense.bias.data);
      else this.bias.data.fill(0);
    }
    return this;
  }

  /**
   * Two K-FAC blocks (docs/kfac.md): h = Rᵀ x (R stored in × K, a = x, g = ∂J/∂h) and
   * y = L h + b (a = h, g = ∂J/∂y).
   */
  kroneckerBlocks(): KroneckerBlock[] {
    const { inFeatures: I, outFeatures: O, rank: K } = this;
    return [
      { weight: this.matrix.R, layout: "inOut", bias: null, inDim: I, outDim: K, positions: 1 },
      { weight: this.matrix.L, layout: "outIn", bias: this.bias, inDim: K, outDim: O, positions: 1 },
    ];
  }

  /** Inputs and output gradients of both maps from the last forward and backward at `batch`. */
  kroneckerStatistics(batch: number): KroneckerStatistics[] {
    const x = this.lastInput;
    const g = this.lastGradOut;
    if (x === null || g === null)
      throw new Error(`${this.name}: K-FAC statistics need a forward and a backward`);
    checkBatch(this.name, "input", x, batch, this.inFeatures);
    checkBatch(this.name, "gradOut", g, batch, this.outFeatures);
    const [r, l] = this.kroneckerBlocks();
    const h = this.hidden.get(batch);
    const gh = this.gradHidden.get(batch);
    return [
      { ...r, rows: batch, activations: x, outputGrads: gh },
      { ...l, rows: batch, activations: h, outputGrads: g },
    ];
  }

  forward(x: Float64Array, batch: number): Float64Array {
    const { inFeatures: I, outFeatures: O, rank: K, precision } = this;
    checkBatch(this.name, "input", x, batch, I);
    this.lastInput = x;
    const h = this.hidden.get(batch);
    const y = this.out.get(batch);
    gemmNN(batch, K, I, x, 0, I, this.matrix.R.data, 0, K, h, 0, K, false, precision);
    gemmNT(batch, O, K, h, 0, K, this.matrix.L.data, 0, K, y, 0, O, false, precision);
    if (this.bias) {
      const b = this.bias.data;
      for (let n = 0; n < batch; n++) for (let j = 0; j < O; j++) y[n * O + j] += b[j];
    }
    return y;
  }

  backward(gradOut: Float64Array, batch: number): Float64Array {
    const { inFeatures: I, outFeatures: O, rank: K, precision } = this;
    const x = this.lastInput;
    if (x === null) throw new Error(`${this.name}: backward called before forward`);
    checkBatch(this.name, "gradOut", gradOut, batch, O);
    this.lastGradOut = gradOut;
    const h = this.hidden.get(batch);
    const gh = this.gradHidden.get(batch);
    gemmTN(O, K, batch, gradOut, 0, O, h, 0, K, this.matrix.L.grad, 0, K, true, precision);
    gemmNN(batch, K, O, gradOut, 0, O, this.matrix.L.data, 0, K, gh, 0, K, false, precision);
    gemmTN(I, K, batch, x, 0, I, gh, 0, K, this.matrix.R.grad, 0, K, true, precision);
    if (this.bias) {
      const gb = this.bias.grad;
      for (let n = 0; n < batch; n++) for (let j = 0; j < O; j++) gb[j] += gradOut[n * O + j];
    }
    const gx = this.gradIn.get(batch);
    if (this.computeInputGrad)
      gemmNT(batch, I, K, gh, 0, K, this.matrix.R.data, 0, K, gx, 0, I, false, precision);
    return gx;
  }
}
