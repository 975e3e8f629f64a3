import { roundHalfEven, type Discretizer } from "../lrpg/discretizer.js";

/**
 * A {@link Discretizer}'s cell rule with its per-dimension constants copied into flat arrays once,
 * for the population's per-step loop: per dimension d, clip s_d to [low_d, high_d], then
 * idx_d = roundHalfEven(((s_d − low_d)/range_d)·(b_d − 1)), the same operations in the same order
 * (docs/lrpg.md); row = Σ idx_d·rowMult_d, col = Σ idx_d·colMult_d, where a dimension's multiplier
 * on the other axis is 0. Integer sums, so the cell equals `Discretizer.flatCell`'s exactly.
 */
export class GridCells {
  readonly dims: number;
  readonly rows: number;
  readonly cols: number;
  private readonly low: Float64Array;
  private readonly high: Float64Array;
  private readonly range: Float64Array;
  private readonly steps: Float64Array;
  private readonly rowMult: Int32Array;
  private readonly colMult: Int32Array;

  constructor(grid: Discretizer) {
    const D = grid.stateDim;
    this.dims = D;
    this.rows = grid.rows;
    this.cols = grid.cols;
    this.low = Float64Array.from(grid.low);
    this.high = Float64Array.from(grid.high);
    this.range = Float64Array.from(grid.range);
    this.steps = Float64Array.from(grid.buckets, (b) => b - 1);
    this.rowMult = new Int32Array(D);
    this.colMult = new Int32Array(D);
    grid.rowDims.forEach((d, q) => (this.rowMult[d] = grid.rowOffsets[q]));
    grid.colDims.forEach((d, q) => (this.colMult[d] = grid.colOffsets[q]));
  }

  /** Flat cell row·cols + col of the state at states[offset …] (throws on a NaN component). */
  flat(states: Float64Array, offset: number): number {
    let row = 0;
    let col = 0;
    for (let d = 0; d < this.dims; d++) {
      const x = states[offset + d];
      if (x !== x)
        throw new RangeError(
          `Discretizer: state[${d}] is NaN (expected a number; values outside [low, high] are clipped)`,
        );
      const lo = this.low[d];
      const hi = this.high[d];
      const c = x < lo ? lo : x > hi ? hi : x;
      const idx = roundHalfEven(((c - lo) / this.range[d]) * this.steps[d]);
      row += idx * this.rowMult[d];
      col += idx * this.colMult[d];
    }
    return row * this.cols + col;
  }
}
