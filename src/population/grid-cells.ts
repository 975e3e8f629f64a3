import { roundHalfEven, type Discretizer } from "../lrpg/discretizer.js";

/** Constants per dimension of an axis, at 5q: low, high, range, b − 1, row-major multiplier. */
const STRIDE = 5;

/**
 * One axis (the rows or the columns) of a {@link Discretizer}'s cell rule, its constants laid out
 * once, for the population's per-step loop. Per dimension d of the axis: clip s_d to
 * [low_d, high_d], then idx_d = roundHalfEven(((s_d − low_d)/range_d)·(b_d − 1)) — the operations
 * and the order of `Discretizer.index` (docs/lrpg.md) — and the axis index is Σ_d idx_d·mult_d
 * (row-major), an integer sum, so row·cols + col equals `Discretizer.flatCell` exactly. One class
 * for every grid (no closure per population), so the loops that call it stay compiled across
 * populations; an axis of one dimension (both of the pendulum's) skips the loop.
 */
export class AxisIndex {
  private readonly dims: Int32Array;
  private readonly constants: Float64Array;

  constructor(grid: Discretizer, axis: "row" | "col") {
    const dims = axis === "row" ? grid.rowDims : grid.colDims;
    const mults = axis === "row" ? grid.rowOffsets : grid.colOffsets;
    this.dims = Int32Array.from(dims);
    this.constants = new Float64Array(STRIDE * dims.length);
    dims.forEach((d, q) =>
      this.constants.set(
        [grid.low[d], grid.high[d], grid.range[d], grid.buckets[d] - 1, mults[q]],
        STRIDE * q,
      ),
    );
  }

  /** The axis index of the state at states[offset …]; throws on a NaN component. */
  of(states: Float64Array, offset: number): number {
    const dims = this.dims;
    const c = this.constants;
    if (dims.length === 1) {
      const x = states[offset + dims[0]];
      if (x !== x) throw nanState(dims[0]);
      const lo = c[0];
      const hi = c[1];
      return roundHalfEven((((x < lo ? lo : x > hi ? hi : x) - lo) / c[2]) * c[3]);
    }
    let index = 0;
    for (let q = 0; q < dims.length; q++) {
      const x = states[offset + dims[q]];
      if (x !== x) throw nanState(dims[q]);
      const o = STRIDE * q;
      const lo = c[o];
      const hi = c[o + 1];
      index += roundHalfEven((((x < lo ? lo : x > hi ? hi : x) - lo) / c[o + 2]) * c[o + 3]) * c[o + 4];
    }
    return index;
  }
}

function nanState(d: number): RangeError {
  return new RangeError(
    `Discretizer: state[${d}] is NaN (expected a number; values outside [low, high] are clipped)`,
  );
}
