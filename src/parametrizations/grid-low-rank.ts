import { LowRankMatrix } from "../factor/low-rank-matrix.js";
import type { Parameter } from "../optim/parameter.js";
import type { Rng } from "../random/rng.js";
import { Discretizer } from "./discretizer.js";
import type { Parametrization, StateDictEntry } from "./parametrization.js";

/**
 * A low-rank matrix read at the state's grid cell (LRPG's μ, σ, logits and critic; docs/lrpg.md):
 * with (i, j) = cell(s) from the {@link Discretizer} and D outputs per cell,
 *
 *   z_a(s) = X_{i, j·D + a} = ℓ_i · r_{j·D + a},   X = L Rᵀ, L ∈ ℝ^{N×K}, R ∈ ℝ^{(M·D)×K},
 *
 * so ∂z_a/∂ℓ_i = r_{j·D+a}, ∂z_a/∂r_{j·D+a} = ℓ_i: backward only visits the rows of the cells in
 * the batch (O(T·D·K)). State dict: `<name>.L` N×K, `<name>.R` K×(M·D) (R transposed, as PyTorch).
 */
export class GridLowRank implements Parametrization {
  readonly grid: Discretizer;
  readonly matrix: LowRankMatrix;
  readonly inputDim: number;
  readonly outputDim: number;
  /** Flat cells f = i·M + j of the last batch. */
  private cells = new Int32Array(0);
  private batch = 0;

  constructor(grid: Discretizer, rank: number, name: string, outputDim = 1) {
    this.grid = grid;
    this.inputDim = grid.stateDim;
    this.outputDim = outputDim;
    this.matrix = new LowRankMatrix(grid.rows, grid.cols * outputDim, rank, name);
  }

  get parameters(): Parameter[] {
    return this.matrix.parameters;
  }

  get parameterCount(): number {
    return this.matrix.parameterCount;
  }

  /** Flat cell of one state (checks its length). */
  cellOf(state: ArrayLike<number>): number {
    this.grid.checkLength(state);
    return this.grid.flatCell(state);
  }

  /** z at flat cell f into out[outOffset …]. */
  forwardCell(f: number, out: Float64Array, outOffset = 0): void {
    const M = this.grid.cols;
    const D = this.outputDim;
    const i = (f / M) | 0;
    const c = (f - i * M) * D;
    for (let a = 0; a < D; a++) out[outOffset + a] = this.matrix.entry(i, c + a);
  }

  forwardOne(state: ArrayLike<number>, out: Float64Array, outOffset = 0): void {
    this.forwardCell(this.cellOf(state), out, outOffset);
  }

  forwardBatch(states: Float64Array, T: number, out: Float64Array): void {
    if (this.cells.length < T) this.cells = new Int32Array(Math.max(T, 2 * this.cells.length));
    const S = this.inputDim;
    const D = this.outputDim;
    for (let t = 0; t < T; t++) {
      const f = this.grid.flatCell(states, t * S);
      this.cells[t] = f;
      this.forwardCell(f, out, t * D);
    }
    this.batch = T;
  }

  backwardBatch(gradZ: Float64Array): void {
    const M = this.grid.cols;
    const D = this.outputDim;
    for (let t = 0; t < this.batch; t++) {
      const f = this.cells[t];
      const i = (f / M) | 0;
      const c = (f - i * M) * D;
      for (let a = 0; a < D; a++) {
        const g = gradZ[t * D + a];
        if (g !== 0) this.matrix.accumulateEntryGrad(i, c + a, g);
      }
    }
  }

  stateDictEntries(): StateDictEntry[] {
    return [
      { key: this.matrix.L.name, param: this.matrix.L, transpose: false },
      { key: this.matrix.R.name, param: this.matrix.R, transpose: true },
    ];
  }
}

/**
 * Fills L (N×K, row-major) then R with N(0, scale²) draws in the reference's order: its R is
 * stored K×M and drawn row-major in that layout (here R is M×K, so the draw for the
 * reference's R[k, j] lands in our R[j, k]).
 */
export function fillReferenceOrder(m: LowRankMatrix, rng: Rng, scale = 1): void {
  const K = m.rank;
  const L = m.L.data;
  const R = m.R.data;
  for (let i = 0; i < L.length; i++) L[i] = scale * rng.normal();
  for (let k = 0; k < K; k++) for (let j = 0; j < m.cols; j++) R[j * K + k] = scale * rng.normal();
}
