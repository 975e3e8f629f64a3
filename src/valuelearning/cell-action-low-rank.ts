import { LowRankMatrix } from "../factor/low-rank-matrix.js";
import type { Parameter } from "../optim/parameter.js";
import type { Rng } from "../random/rng.js";
import type { Discretizer } from "../parametrizations/discretizer.js";
import type { Parametrization, StateDictEntry } from "../parametrizations/parametrization.js";

/**
 * Q as a low-rank matrix over (state cell) × (action) (docs/value-learning.md §2): with
 * c = c(s) the flat grid cell of the state (all dimensions of the {@link Discretizer}, row-major)
 * and A actions,
 *
 *   Q(s, a) = Q_{c, a} = ℓ_c · r_a,   Q = L Rᵀ, L ∈ ℝ^{C×K}, R ∈ ℝ^{A×K},
 *
 * so ∂Q(s, a)/∂ℓ_c = r_a and ∂Q(s, a)/∂r_a = ℓ_c (every other entry 0). Forward and backward touch
 * one row of L and the rows of R: O(A·K) per state. K·(C + A) parameters.
 */
export class CellActionLowRank implements Parametrization {
  readonly grid: Discretizer;
  readonly matrix: LowRankMatrix;
  readonly inputDim: number;
  readonly outputDim: number;
  private cells = new Int32Array(0);
  private batch = 0;

  constructor(grid: Discretizer, actions: number, rank: number, name = "q") {
    this.grid = grid;
    this.inputDim = grid.stateDim;
    this.outputDim = actions;
    this.matrix = new LowRankMatrix(grid.rows * grid.cols, actions, rank, name);
  }

  get parameters(): Parameter[] {
    return this.matrix.parameters;
  }

  get parameterCount(): number {
    return this.matrix.parameterCount;
  }

  /** Flat cell c(s) ∈ [0, C) of one state (checks its length). */
  cellOf(state: ArrayLike<number>, offset = 0): number {
    this.grid.checkLength(state, offset);
    return this.grid.flatCell(state, offset);
  }

  forwardOne(state: ArrayLike<number>, out: Float64Array, outOffset = 0): void {
    const c = this.cellOf(state);
    for (let a = 0; a < this.outputDim; a++) out[outOffset + a] = this.matrix.entry(c, a);
  }

  forwardBatch(states: Float64Array, T: number, out: Float64Array): void {
    if (this.cells.length < T) this.cells = new Int32Array(Math.max(T, 2 * this.cells.length));
    const S = this.inputDim;
    const A = this.outputDim;
    for (let t = 0; t < T; t++) {
      const c = this.grid.flatCell(states, t * S);
      this.cells[t] = c;
      for (let a = 0; a < A; a++) out[t * A + a] = this.matrix.entry(c, a);
    }
    this.batch = T;
  }

  backwardBatch(gradZ: Float64Array): void {
    const A = this.outputDim;
    for (let t = 0; t < this.batch; t++) {
      const c = this.cells[t];
      for (let a = 0; a < A; a++) {
        const g = gradZ[t * A + a];
        if (g !== 0) this.matrix.accumulateEntryGrad(c, a, g);
      }
    }
  }

  stateDictEntries(): StateDictEntry[] {
    return [
      { key: this.matrix.L.name, param: this.matrix.L, transpose: false },
      { key: this.matrix.R.name, param: this.matrix.R, transpose: false },
    ];
  }

  /** L and R with i.i.d. N(0, scale²) entries (L first, row-major). */
  initRandom(rng: Rng, scale: number): void {
    rng.fillNormal(this.matrix.L.data, 0, scale);
    rng.fillNormal(this.matrix.R.data, 0, scale);
  }
}
