import { gemmNN, gemmNT, gemmTN, type MatmulPrecision } from "../factor/gemm.js";
import { projectModeBackward, projectModeInto } from "../factor/mode-projection.js";
import { tuckerRanksForFraction } from "../factor/rank-budget.js";
import { Tensor } from "../factor/tensor.js";
import { hooi, hosvd } from "../factor/tucker-decomposition.js";
import { TuckerTensor, tuckerParameterCount } from "../factor/tucker-tensor.js";
import { makeParameter, type Parameter } from "../optim/parameter.js";
import type { Rng } from "../random/rng.js";
import { BatchBuffer } from "./batch-buffer.js";
import type { Dense } from "./dense.js";
import { torchDefaultUniform } from "./init.js";
import { modeFibers, type KroneckerBlock, type KroneckerStatistics } from "./kfac-statistics.js";
import type { Layer } from "./layer.js";
import { resolvePrecision } from "./precision.js";
import { resolveRankOptions, type RankOptions } from "./rank.js";
import { checkBatch, checkDim, sizeOf } from "./shape.js";

export interface TuckerRegressionOptions {
  /** Per-sample activation shape, e.g. [C, H, W] of a conv output (flattened in that row-major order). */
  inputShape: readonly number[];
  outFeatures: number;
  /**
   * Tucker ranks (R₀, …, R_{N−1}, R_out): one positive integer for every mode (capped at each mode's
   * size), or an array of one integer per mode. Give this or `parameterFraction`.
   */
  rank?: number | readonly number[];
  /**
   * Fraction f in (0, 1] of the dense parameter count Π I_k · O (TensorLy's rule, see
   * `tuckerRanksForFraction`; (16, 8, 8, 128) at 0.1 → (7, 4, 4, 58)). Give this or `rank`.
   */
  parameterFraction?: number;
  /**
   * Lower bound on R_out for a parameter fraction. Default min(O, 32): every action head (≤ 18 actions on
   * Atari) keeps R_out = O, so its Q-values are not confined to a subspace (R_out = 1 would make them
   * proportional), while a wide hidden layer follows the budget rule (128 units at 1/10 → R_out 58).
   */
  minOutputRank?: number;
  bias?: boolean;
  /**
   * Random init (tensorly-torch's TuckerTensor.normal_): core and factors ~ N(0, σ_f²) with
   * σ_f = (std/√Π R)^{1/(N+2)} so each entry of the reconstructed weight has standard deviation
   * std = 1/√(3·fan_in), PyTorch's dense default; bias U(±1/√fan_in).
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
 * Tensor regression layer (Kossaifi et al., "Tensor Regression Networks", JMLR 2020) with a Tucker
 * weight 𝒲 = 𝒢 ×₀ U⁽⁰⁾ … ×_{N−1} U⁽ᴺ⁻¹⁾ ×_N U_out ∈ ℝ^{I₀×…×I_{N−1}×O}:
 *   y[o] = Σ_{i₀…} x[i₀, …, i_{N−1}] · 𝒲[i₀, …, o] + b[o].
 * Evaluated without ever forming 𝒲 (whose size is Π I_k · O): the trailing input modes are projected
 * together, T = X_(0-rows) · (U⁽¹⁾ ⊗ … ⊗ U⁽ᴺ⁻¹⁾) (one GEMM with a Π_{k≥1} I_k × Π_{k≥1} R_k Kronecker
 * factor, e.g. 64 × 16 for an 8×8 map at ranks 4×4), then the leading mode per sample,
 * z = U⁽⁰⁾ᵀ T, then h = G_(N)ᵀ vec(z) with the core unfolded as ΠR × R_out, and y = U_out h + b; so
 * the cost per sample shrinks with the ranks. Backward runs the same steps in reverse (GEMM pairs),
 * with ∂J/∂U⁽ᵏ⁾ obtained from ∂J/∂(U⁽¹⁾ ⊗ …) by the product rule. Parameters: Π R_k · R_out + Σ I_k R_k + O·R_out (+ O).
 */
export class TuckerRegression implements Layer {
  readonly name: string;
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  readonly outFeatures: number;
  /** (R₀, …, R_{N−1}, R_out). */
  readonly ranks: readonly number[];
  readonly core: Parameter;
  /** U⁽ⁿ⁾ ∈ ℝ^{I_n×R_n} for the input modes. */
  readonly inputFactors: readonly Parameter[];
  /** U_out ∈ ℝ^{O×R_out}. */
  readonly outputFactor: Parameter;
  readonly bias: Parameter | null;
  readonly precision: MatmulPrecision;
  computeInputGrad = true;
  private readonly N: number;
  private readonly coreRows: number;
  /** Π_{k≥1} I_k and Π_{k≥1} R_k: the trailing (e.g. spatial) modes, contracted together. */
  private readonly trailSize: number;
  private readonly trailRank: number;
  /** U⁽¹⁾ ⊗ … ⊗ U⁽ᴺ⁻¹⁾ (trailSize × trailRank) and its gradient; two scratch buffers to build it. */
  private readonly kron: Float64Array;
  private readonly gradKron: Float64Array;
  private readonly kronScratch: Float64Array;
  private readonly inputInts: Int32Array;
  private readonly rankInts: Int32Array;
  /** T = X ×_{k≥1} U⁽ᵏ⁾ᵀ (per sample I₀ × trailRank) and z = T ×₀ U⁽⁰⁾ᵀ (R₀ × trailRank). */
  private readonly trail: BatchBuffer;
  private readonly gradTrail: BatchBuffer;
  private readonly projected: BatchBuffer;
  private readonly gradProjected: BatchBuffer;
  private readonly gradIn: BatchBuffer;
  private readonly hidden: BatchBuffer;
  private readonly gradHidden: BatchBuffer;
  private readonly out: BatchBuffer;
  private lastInput: Float64Array | null = null;
  private lastBatch = 0;
  /** The gradient the last backward received, and scratch for the K-FAC mode fibers. */
  private lastGradOut: Float64Array | null = null;
  private kfacScratch: Float64Array[] = [];

  constructor(options: TuckerRegressionOptions) {
    const shape = [...options.inputShape];
    if (shape.length === 0) throw new RangeError("TuckerRegression inputShape must have at least one mode");
    shape.forEach((d, k) => checkDim(d, `TuckerRegression inputShape[${k}]`));
    const O = options.outFeatures;
    checkDim(O, "TuckerRegression outFeatures");
    const N = shape.length;
    const full = [...shape, O];
    const ranks = resolveTuckerRanks(full, options, options.minOutputRank);
    this.name = options.name ?? "trl";
    this.precision = resolvePrecision(options.precision, "TuckerRegression precision");
    this.N = N;
    this.inputShape = shape;
    this.outputShape = [O];
    this.outFeatures = O;
    this.ranks = ranks;
    this.coreRows = sizeOf(ranks.slice(0, N));
    this.core = makeParameter(`${this.name}.core`, ranks);
    this.inputFactors = shape.map((d, k) => makeParameter(`${this.name}.U${k}`, [d, ranks[k]]));
    this.outputFactor = makeParameter(`${this.name}.Uout`, [O, ranks[N]]);
    this.bias = options.bias === false ? null : makeParameter(`${this.name}.bias`, [O]);
    if (options.rng) {
      const fanIn = sizeOf(shape);
      const std = 1 / Math.sqrt(3 * fanIn);
      const sigma = Math.pow(std / Math.sqrt(sizeOf(ranks)), 1 / (N + 2));
      options.rng.fillNormal(this.core.data, 0, sigma);
      for (const U of this.inputFactors) options.rng.fillNormal(U.data, 0, sigma);
      options.rng.fillNormal(this.outputFactor.data, 0, sigma);
      if (this.bias) torchDefaultUniform(this.bias.data, fanIn, options.rng);
    }
    this.trailSize = sizeOf(shape.slice(1));
    this.trailRank = sizeOf(ranks.slice(1, N));
    this.kron = new Float64Array(this.trailSize * this.trailRank);
    this.gradKron = new Float64Array(this.trailSize * this.trailRank);
    this.kronScratch = new Float64Array(this.trailSize * this.trailRank);
    this.inputInts = new Int32Array(N);
    this.rankInts = new Int32Array(N);
    this.trail = new BatchBuffer(shape[0] * this.trailRank);
    this.gradTrail = new BatchBuffer(shape[0] * this.trailRank);
    this.projected = new BatchBuffer(this.coreRows);
    this.gradProjected = new BatchBuffer(this.coreRows);
    this.gradIn = new BatchBuffer(sizeOf(shape));
    this.hidden = new BatchBuffer(ranks[N]);
    this.gradHidden = new BatchBuffer(ranks[N]);
    this.out = new BatchBuffer(O);
  }

  get parameters(): Parameter[] {
    const ps = [this.core, ...this.inputFactors, this.outputFactor];
    if (this.bias) ps.push(this.bias);
    return ps;
  }

  get parameterCount(): number {
    return (
      tuckerParameterCount([...this.inputShape, this.outFeatures], this.ranks) +
      (this.bias ? this.outFeatures : 0)
    );
  }

  /** The weight as a Tucker tensor over (I₀, …, I_{N−1}, O) (shares no memory with the layer). */
  weightTensor(): TuckerTensor {
    const core = new Tensor(this.ranks, Float64Array.from(this.core.data));
    const factors = [...this.inputFactors, this.outputFactor].map((p) => Float64Array.from(p.data));
    return new TuckerTensor(core, factors, [...this.inputShape, this.outFeatures]);
  }

  /** The equivalent dense weight in Dense's layout, O × Π I_k (for tests, LASER and analysis). */
  toDenseWeight(): Float64Array {
    const w = this.weightTensor().reconstruct().data;
    const I = sizeOf(this.inputShape);
    const O = this.outFeatures;
    const out = new Float64Array(O * I);
    for (let i = 0; i < I; i++) for (let o = 0; o < O; o++) out[o * I + i] = w[i * O + o];
    return out;
  }

  /**
   * Decomposes a Dense layer's weight, reshaped to (I₀, …, I_{N−1}, O) in its row-major input order,
   * by HOSVD (default) or HOOI at this layer's ranks, and copies the bias. Exact when the weight has
   * multilinear rank ≤ the layer's ranks. Returns the relative reconstruction error.
   */
  initFrom(dense: Dense, method: "hosvd" | "hooi" = "hosvd"): number {
    const I = sizeOf(this.inputShape);
    const O = this.outFeatures;
    if (dense.inFeatures !== I || dense.outFeatures !== O) {
      throw new RangeError(
        `${this.name}.initFrom: dense is ${dense.outFeatures}×${dense.inFeatures}, expected ${O}×${I}`,
      );
    }
    const t = new Tensor([...this.inputShape, O]);
    const W = dense.weight.data;
    for (let o = 0; o < O; o++) for (let i = 0; i < I; i++) t.data[i * O + o] = W[o * I + i];
    const res = method === "hooi" ? hooi(t, this.ranks) : hosvd(t, this.ranks);
    this.core.data.set(res.tucker.core.data);
    this.inputFactors.forEach((p, k) => p.data.set(res.tucker.factors[k]));
    this.outputFactor.data.set(res.tucker.factors[this.N]);
    if (this.bias) {
      if (dense.bias) this.bias.data.set(dense.bias.data);
      else this.bias.data.fill(0);
    }
    return res.relativeError;
  }

  forward(x: Float64Array, batch: number): Float64Array {
    checkBatch(this.name, "input", x, batch, this.gradIn.perSample);
    const { N, ranks, inputShape, precision } = this;
    this.lastInput = x;
    this.lastBatch = batch;
    const I0 = inputShape[0];
    const z = this.projected.get(batch);
    if (N === 1) {
      projectModeInto(x, batch, I0, 1, this.inputFactors[0].data, ranks[0], z, precision);
    } else {
      // Trailing modes at once: T (B·I₀ × ΠR) = X (B·I₀ × ΠI) · (U⁽¹⁾ ⊗ … ⊗ U⁽ᴺ⁻¹⁾), one GEMM;
      // then the leading mode per sample: z_b = U⁽⁰⁾ᵀ T_b.
      this.buildKron();
      const t = this.trail.get(batch);
      gemmNN(
        batch * I0,
        this.trailRank,
        this.trailSize,
        x,
        0,
        this.trailSize,
        this.kron,
        0,
        this.trailRank,
        t,
        0,
        this.trailRank,
        false,
        this.precision,
      );
      projectModeInto(t, batch, I0, this.trailRank, this.inputFactors[0].data, ranks[0], z, precision);
    }
    const Rout = ranks[N];
    const O = this.outFeatures;
    const h = this.hidden.get(batch);
    gemmNN(
      batch,
      Rout,
      this.coreRows,
      z,
      0,
      this.coreRows,
      this.core.data,
      0,
      Rout,
      h,
      0,
      Rout,
      false,
      precision,
    );
    const y = this.out.get(batch);
    gemmNT(batch, O, Rout, h, 0, Rout, this.outputFactor.data, 0, Rout, y, 0, O, false, precision);
    if (this.bias) {
      const b = this.bias.data;
      for (let s = 0; s < batch; s++) for (let o = 0; o < O; o++) y[s * O + o] += b[o];
    }
    return y;
  }

  backward(gradOut: Float64Array, batch: number): Float64Array {
    const x = this.lastInput;
    if (x === null || this.lastBatch !== batch)
      throw new Error(`${this.name}: backward at batch ${batch} does not follow a forward at that batch`);
    checkBatch(this.name, "gradOut", gradOut, batch, this.outFeatures);
    this.lastGradOut = gradOut;
    const { N, ranks, inputShape, precision } = this;
    const Rout = ranks[N];
    const O = this.outFeatures;
    const h = this.hidden.get(batch);
    const gh = this.gradHidden.get(batch);
    gemmTN(O, Rout, batch, gradOut, 0, O, h, 0, Rout, this.outputFactor.grad, 0, Rout, true, precision);
    gemmNN(batch, Rout, O, gradOut, 0, O, this.outputFactor.data, 0, Rout, gh, 0, Rout, false, precision);
    if (this.bias) {
      const gb = this.bias.grad;
      for (let s = 0; s < batch; s++) for (let o = 0; o < O; o++) gb[o] += gradOut[s * O + o];
    }
    const z = this.projected.get(batch);
    gemmTN(
      this.coreRows,
      Rout,
      batch,
      z,
      0,
      this.coreRows,
      gh,
      0,
      Rout,
      this.core.grad,
      0,
      Rout,
      true,
      precision,
    );
    const gz = this.gradProjected.get(batch);
    gemmNT(
      batch,
      this.coreRows,
      Rout,
      gh,
      0,
      Rout,
      this.core.data,
      0,
      Rout,
      gz,
      0,
      this.coreRows,
      false,
      precision,
    );
    const I0 = inputShape[0];
    const U0 = this.inputFactors[0];
    const gx = this.gradIn.get(batch);
    if (N === 1) {
      projectModeBackward(
        x,
        batch,
        I0,
        1,
        U0.data,
        ranks[0],
        gz,
        U0.grad,
        this.computeInputGrad ? gx : null,
        precision,
      );
      return gx;
    }
    const t = this.trail.get(batch);
    const gt = this.gradTrail.get(batch);
    projectModeBackward(t, batch, I0, this.trailRank, U0.data, ranks[0], gz, U0.grad, gt, precision);
    // ∇(U⁽¹⁾ ⊗ …) = Xᵀ ∇T, then ∇X = ∇T (U⁽¹⁾ ⊗ …)ᵀ.
    gemmTN(
      this.trailSize,
      this.trailRank,
      batch * I0,
      x,
      0,
      this.trailSize,
      gt,
      0,
      this.trailRank,
      this.gradKron,
      0,
      this.trailRank,
      false,
      precision,
    );
    if (this.computeInputGrad)
      gemmNT(
        batch * I0,
        this.trailSize,
        this.trailRank,
        gt,
        0,
        this.trailRank,
        this.kron,
        0,
        this.trailRank,
        gx,
        0,
        this.trailSize,
        false,
        precision,
      );
    this.kronFactorGrads();
    return gx;
  }

  /**
   * K-FAC blocks (docs/kfac.md), one per linear map of the forward pass:
   *  - each input factor U⁽ⁿ⁾ maps every mode-n fiber of Z⁽ⁿ⁾ = X ×_{m≠n} U⁽ᵐ⁾ᵀ (length I_n) to the
   *    matching fiber of z (length R_n): z_(n) = U⁽ⁿ⁾ᵀ Z⁽ⁿ⁾_(n), applied at Π_{m≠n} R_m positions;
   *  - the core maps vec(z) (ΠR_k) to h (R_out): h = G_(N)ᵀ vec(z);
   *  - the output factor maps h to y: y = U_out h + b.
   */
  kroneckerBlocks(): KroneckerBlock[] {
    const { N, ranks, inputShape } = this;
    const blocks: KroneckerBlock[] = this.inputFactors.map((weight, n) => ({
      weight,
      layout: "inOut",
      bias: null,
      inDim: inputShape[n],
      outDim: ranks[n],
      positions: this.coreRows / ranks[n],
    }));
    blocks.push({
      weight: this.core,
      layout: "inOut",
      bias: null,
      inDim: this.coreRows,
      outDim: ranks[N],
      positions: 1,
    });
    blocks.push({
      weight: this.outputFactor,
      layout: "outIn",
      bias: this.bias,
      inDim: ranks[N],
      outDim: this.outFeatures,
      positions: 1,
    });
    return blocks;
  }

  /**
   * Inputs and output gradients of every map from the last forward and backward at `batch`
   * (Z⁽ⁿ⁾ is recomputed in float64 from the input; z, h and their gradients are the layer's buffers).
   */
  kroneckerStatistics(batch: number): KroneckerStatistics[] {
    const x = this.lastInput;
    const g = this.lastGradOut;
    if (x === null || g === null || this.lastBatch !== batch)
      throw new Error(`${this.name}: K-FAC statistics need a forward and a backward at batch ${batch}`);
    checkBatch(this.name, "gradOut", g, batch, this.outFeatures);
    const { N, ranks, inputShape } = this;
    const blocks = this.kroneckerBlocks();
    const z = this.projected.get(batch);
    const gz = this.gradProjected.get(batch);
    const h = this.hidden.get(batch);
    const gh = this.gradHidden.get(batch);
    const sizes: number[] = [];
    for (let n = 0; n < N; n++)
      sizes.push(batch * blocks[n].positions * inputShape[n], batch * this.coreRows);
    sizes.push(batch * sizeOf(inputShape), batch * sizeOf(inputShape));
    this.kfacScratch = sizes.map((len, i) =>
      this.kfacScratch[i] !== undefined && this.kfacScratch[i].length >= len
        ? this.kfacScratch[i]
        : new Float64Array(len),
    );
    const stats: KroneckerStatistics[] = [];
    const ping = this.kfacScratch[2 * N];
    const pong = this.kfacScratch[2 * N + 1];
    for (let n = 0; n < N; n++) {
      // Z⁽ⁿ⁾: project every mode but n, one mode at a time.
      const shape = [...inputShape];
      let cur: Float64Array = x;
      for (let m = 0; m < N; m++) {
        if (m === n) continue;
        const dst = cur === ping ? pong : ping;
        const pre = batch * sizeOf(shape.slice(0, m));
        const post = sizeOf(shape.slice(m + 1));
        projectModeInto(cur, pre, shape[m], post, this.inputFactors[m].data, ranks[m], dst, "f64");
        shape[m] = ranks[m];
        cur = dst;
      }
      const rows = batch * blocks[n].positions;
      const activations = modeFibers(
        cur,
        batch,
        shape,
        n,
        this.kfacScratch[2 * n].subarray(0, rows * inputShape[n]),
      );
      const outputGrads = modeFibers(
        gz,
        batch,
        ranks.slice(0, N),
        n,
        this.kfacScratch[2 * n + 1].subarray(0, rows * ranks[n]),
      );
      stats.push({ ...blocks[n], rows, activations, outputGrads });
    }
    stats.push({ ...blocks[N], rows: batch, activations: z, outputGrads: gh });
    stats.push({ ...blocks[N + 1], rows: batch, activations: h, outputGrads: g });
    return stats;
  }

  /**
   * kron[(i₁…i_{N−1}), (r₁…r_{N−1})] = Π_{k≥1} U⁽ᵏ⁾[i_k, r_k] (row-major multi-indices), built one mode
   * at a time: K ← K ⊗ U⁽ᵏ⁾.
   */
  private buildKron(): void {
    const { N, inputShape, ranks } = this;
    let cur = (N - 1) % 2 === 0 ? this.kron : this.kronScratch;
    let other = cur === this.kron ? this.kronScratch : this.kron;
    cur[0] = 1;
    let rows = 1;
    let cols = 1;
    for (let k = 1; k < N; k++) {
      const U = this.inputFactors[k].data;
      const I = inputShape[k];
      const R = ranks[k];
      const newCols = cols * R;
      for (let s = 0; s < rows; s++) {
        for (let i = 0; i < I; i++) {
          const dstRow = (s * I + i) * newCols;
          for (let r = 0; r < cols; r++) {
            const v = cur[s * cols + r];
            const dst = dstRow + r * R;
            for (let q = 0; q < R; q++) other[dst + q] = v * U[i * R + q];
          }
        }
      }
      rows *= I;
      cols = newCols;
      const swap = cur;
      cur = other;
      other = swap;
    }
  }

  /**
   * Chain rule through the Kronecker product: ∂J/∂U⁽ᵏ⁾[i_k, r_k] += Σ over the other indices of
   * ∇kron[(i…), (r…)] · Π_{m≠k} U⁽ᵐ⁾[i_m, r_m].
   */
  private kronFactorGrads(): void {
    if (this.N === 3) {
      this.kronFactorGradsTwoModes();
      return;
    }
    const { N, inputShape, ranks } = this;
    const iIdx = this.inputInts;
    const rIdx = this.rankInts;
    const S = this.trailSize;
    const Rr = this.trailRank;
    const G = this.gradKron;
    for (let s = 0; s < S; s++) {
      let rem = s;
      for (let k = N - 1; k >= 1; k--) {
        iIdx[k] = rem % inputShape[k];
        rem = (rem - iIdx[k]) / inputShape[k];
      }
      for (let r = 0; r < Rr; r++) {
        const g = G[s * Rr + r];
        if (g === 0) continue;
        let remR = r;
        for (let k = N - 1; k >= 1; k--) {
          rIdx[k] = remR % ranks[k];
          remR = (remR - rIdx[k]) / ranks[k];
        }
        for (let k = 1; k < N; k++) {
          let prod = g;
          for (let m = 1; m < N; m++)
            if (m !== k) prod *= this.inputFactors[m].data[iIdx[m] * ranks[m] + rIdx[m]];
          this.inputFactors[k].grad[iIdx[k] * ranks[k] + rIdx[k]] += prod;
        }
      }
    }
  }

  /**
   * {@link kronFactorGrads} for two trailing modes (a (C, H, W) activation), with loop counters
   * instead of index arithmetic: ∇U⁽¹⁾[i₁, r₁] += Σ ∇kron[(i₁, i₂), (r₁, r₂)] · U⁽²⁾[i₂, r₂] and
   * ∇U⁽²⁾[i₂, r₂] += Σ ∇kron[(i₁, i₂), (r₁, r₂)] · U⁽¹⁾[i₁, r₁], summed in the same order as the
   * general loop (so bit-identical to it).
   */
  private kronFactorGradsTwoModes(): void {
    const I1 = this.inputShape[1];
    const I2 = this.inputShape[2];
    const R1 = this.ranks[1];
    const R2 = this.ranks[2];
    const U1 = this.inputFactors[1].data;
    const U2 = this.inputFactors[2].data;
    const gU1 = this.inputFactors[1].grad;
    const gU2 = this.inputFactors[2].grad;
    const G = this.gradKron;
    let row = 0;
    for (let i1 = 0; i1 < I1; i1++) {
      for (let i2 = 0; i2 < I2; i2++) {
        for (let r1 = 0; r1 < R1; r1++) {
          const a = i1 * R1 + r1;
          const u1 = U1[a];
          for (let r2 = 0; r2 < R2; r2++) {
            const g = G[row++];
            if (g === 0) continue;
            const b = i2 * R2 + r2;
            gU1[a] += g * U2[b];
            gU2[b] += g * u1;
          }
        }
      }
    }
  }
}

/** Default floor of the output rank for a parameter fraction (see TuckerRegressionOptions.minOutputRank). */
const DEFAULT_OUTPUT_RANK_FLOOR = 32;

/** Resolves `rank` / `parameterFraction` for a Tucker weight of shape (I₀, …, I_{N−1}, O). */
export function resolveTuckerRanks(
  full: readonly number[],
  spec: RankOptions,
  minOutputRank?: number,
): number[] {
  const N = full.length - 1;
  const O = full[N];
  const parsed = resolveRankOptions(spec, "TuckerRegression", true);
  if (
    minOutputRank !== undefined &&
    (!Number.isInteger(minOutputRank) || minOutputRank < 1 || minOutputRank > O)
  ) {
    throw new RangeError(
      `TuckerRegression minOutputRank must be an integer in [1, ${O}], got ${minOutputRank}`,
    );
  }
  let ranks: number[];
  if (parsed.kind === "rank") {
    ranks = full.map((d) => Math.min(d, parsed.rank));
  } else if (parsed.kind === "ranks") {
    if (parsed.ranks.length !== full.length) {
      throw new RangeError(
        `TuckerRegression rank needs ${full.length} entries (input modes, then output), got ${parsed.ranks.length}`,
      );
    }
    parsed.ranks.forEach((r, k) => {
      if (r > full[k])
        throw new RangeError(`TuckerRegression rank[${k}] must be in [1, ${full[k]}], got ${r}`);
    });
    ranks = [...parsed.ranks];
  } else {
    const floor = minOutputRank ?? Math.min(O, DEFAULT_OUTPUT_RANK_FLOOR);
    const minRanks = full.map((_, k) => (k === N ? floor : 1));
    ranks = tuckerRanksForFraction(full, parsed.fraction, { minRanks });
  }
  if (minOutputRank !== undefined && ranks[N] < minOutputRank) {
    throw new RangeError(`TuckerRegression output rank ${ranks[N]} is below minOutputRank ${minOutputRank}`);
  }
  return ranks;
}
