import { Matrix, SVD } from "ml-matrix";
import { makeParameter, type Parameter } from "../optim/parameter.js";
import type { Rng } from "../random/rng.js";
import { checkPositiveInt } from "./validate.js";

export interface LowRankInit {
  /** Entries of L and R are drawn N(0, scale²) (the LRPG reference uses scale 1). */
  scale?: number;
  /** Prefix of the parameter names (`<name>.L`, `<name>.R`). */
  name?: string;
}

/**
 * A rank-K matrix X = L Rᵀ with L ∈ ℝ^{N×K} and R ∈ ℝ^{M×K}, both stored row-major on Float64Array
 * (row i of L is the left factor ℓᵢ, row j of R the right factor rⱼ), so Xᵢⱼ = ℓᵢ · rⱼ.
 *
 * Gradients: ∂Xᵢⱼ/∂ℓᵢ = rⱼ and ∂Xᵢⱼ/∂rⱼ = ℓᵢ, so a loss with ∂J/∂Xᵢⱼ = g adds g·rⱼ to ∇ℓᵢ
 * and g·ℓᵢ to ∇rⱼ. Only the touched rows are visited: a batch of B entries costs O(B·K).
 * Parameter count: K·(N + M).
 */
export class LowRankMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly rank: number;
  readonly L: Parameter;
  readonly R: Parameter;

  constructor(rows: number, cols: number, rank: number, name = "X") {
    checkPositiveInt(rows, "rows");
    checkPositiveInt(cols, "cols");
    checkPositiveInt(rank, "rank");
    this.rows = rows;
    this.cols = cols;
    this.rank = rank;
    this.L = makeParameter(`${name}.L`, [rows, rank]);
    this.R = makeParameter(`${name}.R`, [cols, rank]);
  }

  /** L, R with i.i.d. N(0, scale²) entries, L drawn first (row-major), then R. */
  static random(rows: number, cols: number, rank: number, rng: Rng, init: LowRankInit = {}): LowRankMatrix {
    const x = new LowRankMatrix(rows, cols, rank, init.name);
    const scale = init.scale ?? 1;
    rng.fillNormal(x.L.data, 0, scale);
    rng.fillNormal(x.R.data, 0, scale);
    return x;
  }

  /**
   * Best rank-K approximation of a dense N×M matrix (Eckart–Young) by truncated SVD:
   * X ≈ U_K Σ_K V_Kᵀ, split symmetrically as L = U_K Σ_K^{1/2}, R = V_K Σ_K^{1/2}.
   */
  static fromDense(
    dense: Float64Array | readonly (readonly number[])[],
    rows: number,
    cols: number,
    rank: number,
    name = "X",
  ): LowRankMatrix {
    checkPositiveInt(rank, "rank");
    if (rank > Math.min(rows, cols)) {
      throw new RangeError(`rank must be in [1, min(rows, cols) = ${Math.min(rows, cols)}], got ${rank}`);
    }
    const m = toMatrix(dense, rows, cols);
    const svd = new SVD(m, { autoTranspose: true });
    const U = svd.leftSingularVectors;
    const V = svd.rightSingularVectors;
    const s = svd.diagonal;
    const x = new LowRankMatrix(rows, cols, rank, name);
    for (let k = 0; k < rank; k++) {
      const root = Math.sqrt(Math.max(s[k], 0));
      for (let i = 0; i < rows; i++) x.L.data[i * rank + k] = U.get(i, k) * root;
      for (let j = 0; j < cols; j++) x.R.data[j * rank + k] = V.get(j, k) * root;
    }
    return x;
  }

  get parameterCount(): number {
    return this.rank * (this.rows + this.cols);
  }

  /** Xᵢⱼ = Σₖ L[i,k]·R[j,k]. */
  entry(i: number, j: number): number {
    const K = this.rank;
    const L = this.L.data;
    const R = this.R.data;
    const io = i * K;
    const jo = j * K;
    let s = 0;
    for (let k = 0; k < K; k++) s += L[io + k] * R[jo + k];
    return s;
  }

  /** Adds g·∂Xᵢⱼ/∂(L,R) into the gradient buffers: ∇ℓᵢ += g·rⱼ, ∇rⱼ += g·ℓᵢ. */
  accumulateEntryGrad(i: number, j: number, g: number): void {
    const K = this.rank;
    const L = this.L.data;
    const R = this.R.data;
    const gL = this.L.grad;
    const gR = this.R.grad;
    const io = i * K;
    const jo = j * K;
    for (let k = 0; k < K; k++) {
      gL[io + k] += g * R[jo + k];
      gR[jo + k] += g * L[io + k];
    }
  }

  /** Batched form of {@link accumulateEntryGrad} over the first `count` entries (default all). */
  accumulateBatchGrad(
    rowIdx: ArrayLike<number>,
    colIdx: ArrayLike<number>,
    g: ArrayLike<number>,
    count = g.length,
  ): void {
    for (let b = 0; b < count; b++) this.accumulateEntryGrad(rowIdx[b], colIdx[b], g[b]);
  }

  zeroGrad(): void {
    this.L.grad.fill(0);
    this.R.grad.fill(0);
  }

  /** Dense X = L Rᵀ, row-major N×M. */
  toDense(out: Float64Array = new Float64Array(this.rows * this.cols)): Float64Array {
    const { rows, cols, rank: K } = this;
    const L = this.L.data;
    const R = this.R.data;
    for (let i = 0; i < rows; i++) {
      const io = i * K;
      for (let j = 0; j < cols; j++) {
        const jo = j * K;
        let s = 0;
        for (let k = 0; k < K; k++) s += L[io + k] * R[jo + k];
        out[i * cols + j] = s;
      }
    }
    return out;
  }

  /** Singular values of X (descending; at most K are non-zero), via the SVD of the dense matrix. */
  singularValues(): number[] {
    const m = toMatrix(this.toDense(), this.rows, this.cols);
    return Array.from(
      new SVD(m, {
        autoTranspose: true,
        computeLeftSingularVectors: false,
        computeRightSingularVectors: false,
      }).diagonal,
    );
  }

  get parameters(): Parameter[] {
    return [this.L, this.R];
  }
}

function toMatrix(dense: Float64Array | readonly (readonly number[])[], rows: number, cols: number): Matrix {
  checkPositiveInt(rows, "rows");
  checkPositiveInt(cols, "cols");
  if (dense instanceof Float64Array) {
    if (dense.length !== rows * cols) {
      throw new RangeError(`dense matrix has ${dense.length} entries, expected rows·cols = ${rows * cols}`);
    }
    const m = new Matrix(rows, cols);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) m.set(i, j, dense[i * cols + j]);
    return m;
  }
  if (dense.length !== rows || dense.some((r) => r.length !== cols)) {
    throw new RangeError(`dense matrix must be ${rows}×${cols}`);
  }
  return new Matrix(dense.map((r) => [...r]));
}
