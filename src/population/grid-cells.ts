import { roundHalfEven, type Discretizer } from "../lrpg/discretizer.js";

/** Constants per state dimension, at 6d: see {@link GridCellPair}. */
const STRIDE = 6;

/**
 * The cells of one state on two {@link Discretizer} grids over the same state (LRPG's actor and
 * critic grids), their constants laid out once, for the population's per-step loop. Per
 * dimension d and grid g: clip s_d to [low_d, high_d], u_d = (s_d − low_d)/range_d,
 * idx_{g,d} = roundHalfEven(u_d·(b_{g,d} − 1)) — the operations and the order of
 * `Discretizer.index` (docs/lrpg.md) — and row_g = Σ_d idx_{g,d}·rowMult_{g,d},
 * col_g = Σ_d idx_{g,d}·colMult_{g,d} (a dimension's multiplier on the other axis is 0): integer
 * sums, so row_g·cols_g + col_g equals grid g's `flatCell` exactly. Where both grids have the same
 * bounds on d (every paper task), the clipped, scaled u_d is computed once for both — the same
 * expression, so the same bits — saving a division per dimension.
 */
export class GridCellPair {
  /** [actor row, actor column, critic row, critic column] of the last {@link cellsOf}. */
  readonly cells = new Int32Array(4);
  private readonly dims: number;
  /**
   * Per d at 6d: low, high, range of the first grid; 1 when the second grid's bounds equal them
   * (else 0, its low, high, range at 3d of `second`); b − 1 of each grid.
   */
  private readonly constants: Float64Array;
  private readonly second: Float64Array;
  /** Per d at 4d: its multiplier in the first grid's row and column, the second grid's row and column. */
  private readonly multipliers: Float64Array;

  constructor(first: Discretizer, second: Discretizer) {
    if (first.stateDim !== second.stateDim)
      throw new RangeError(
        `GridCellPair: grids over ${first.stateDim} and ${second.stateDim} state dimensions (must be equal)`,
      );
    const D = first.stateDim;
    this.dims = D;
    this.constants = new Float64Array(STRIDE * D);
    this.second = new Float64Array(3 * D);
    const mult = (g: Discretizer, axis: "row" | "col", d: number): number => {
      const dims = axis === "row" ? g.rowDims : g.colDims;
      const q = dims.indexOf(d);
      return q < 0 ? 0 : (axis === "row" ? g.rowOffsets : g.colOffsets)[q];
    };
    for (let d = 0; d < D; d++) {
      const shared =
        first.low[d] === second.low[d] &&
        first.high[d] === second.high[d] &&
        first.range[d] === second.range[d];
      this.constants.set(
        [
          first.low[d],
          first.high[d],
          first.range[d],
          shared ? 1 : 0,
          first.buckets[d] - 1,
          second.buckets[d] - 1,
        ],
        STRIDE * d,
      );
      this.second.set([second.low[d], second.high[d], second.range[d]], 3 * d);
    }
    this.multipliers = new Float64Array(4 * D);
    for (let d = 0; d < D; d++)
      this.multipliers.set(
        [mult(first, "row", d), mult(first, "col", d), mult(second, "row", d), mult(second, "col", d)],
        4 * d,
      );
  }

  /** Writes both grids' row and column of the state at states[offset …] into {@link cells}. */
  cellsOf(states: Float64Array, offset: number): void {
    const c = this.constants;
    const m = this.multipliers;
    let r1 = 0;
    let c1 = 0;
    let r2 = 0;
    let c2 = 0;
    for (let d = 0; d < this.dims; d++) {
      const x = states[offset + d];
      if (x !== x)
        throw new RangeError(
          `Discretizer: state[${d}] is NaN (expected a number; values outside [low, high] are clipped)`,
        );
      const o = STRIDE * d;
      const lo = c[o];
      const hi = c[o + 1];
      const u = ((x < lo ? lo : x > hi ? hi : x) - lo) / c[o + 2];
      let u2 = u;
      if (c[o + 3] === 0) {
        const s = this.second;
        const lo2 = s[3 * d];
        const hi2 = s[3 * d + 1];
        u2 = ((x < lo2 ? lo2 : x > hi2 ? hi2 : x) - lo2) / s[3 * d + 2];
      }
      const i1 = roundHalfEven(u * c[o + 4]);
      const i2 = roundHalfEven(u2 * c[o + 5]);
      r1 += i1 * m[4 * d];
      c1 += i1 * m[4 * d + 1];
      r2 += i2 * m[4 * d + 2];
      c2 += i2 * m[4 * d + 3];
    }
    const out = this.cells;
    out[0] = r1;
    out[1] = c1;
    out[2] = r2;
    out[3] = c2;
  }
}
