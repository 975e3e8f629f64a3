import { roundHalfEven, type Discretizer } from "../lrpg/discretizer.js";

/** The row (or the column) of the grid cell of the state at states[offset …]; throws on NaN. */
export type AxisIndexOf = (states: Float64Array, offset: number) => number;

function nanState(d: number): RangeError {
  return new RangeError(
    `Discretizer: state[${d}] is NaN (expected a number; values outside [low, high] are clipped)`,
  );
}

/**
 * One axis of a {@link Discretizer}'s cell rule as a function specialized at construction, for the
 * population's per-step loop. Per dimension d of the axis: clip s_d to [low_d, high_d], then
 * idx_d = roundHalfEven(((s_d − low_d)/range_d)·(b_d − 1)) — the same operations in the same order
 * as `Discretizer.index` (docs/lrpg.md) — and the axis index is Σ_d idx_d·mult_d (row-major), an
 * integer sum, so row·cols + col equals `Discretizer.flatCell` exactly. An axis of one dimension
 * (both of the pendulum's) is a function of that dimension's four constants alone.
 */
function axisFunction(grid: Discretizer, dims: readonly number[], mults: Int32Array): AxisIndexOf {
  const low = dims.map((d) => grid.low[d]);
  const high = dims.map((d) => grid.high[d]);
  const range = dims.map((d) => grid.range[d]);
  const steps = dims.map((d) => grid.buckets[d] - 1);
  if (dims.length === 1) {
    const [d, lo, hi, r, b] = [dims[0], low[0], high[0], range[0], steps[0]];
    return (states, offset) => {
      const x = states[offset + d];
      if (x !== x) throw nanState(d);
      return roundHalfEven((((x < lo ? lo : x > hi ? hi : x) - lo) / r) * b);
    };
  }
  const D = dims.length;
  const dimOf = Int32Array.from(dims);
  const lowOf = Float64Array.from(low);
  const highOf = Float64Array.from(high);
  const rangeOf = Float64Array.from(range);
  const stepsOf = Float64Array.from(steps);
  const multOf = Int32Array.from(mults);
  return (states, offset) => {
    let index = 0;
    for (let q = 0; q < D; q++) {
      const x = states[offset + dimOf[q]];
      if (x !== x) throw nanState(dimOf[q]);
      const lo = lowOf[q];
      const hi = highOf[q];
      const c = x < lo ? lo : x > hi ? hi : x;
      index += roundHalfEven(((c - lo) / rangeOf[q]) * stepsOf[q]) * multOf[q];
    }
    return index;
  };
}

/** The grid's row and column functions (see {@link axisFunction}). */
export function cellFunctions(grid: Discretizer): { row: AxisIndexOf; col: AxisIndexOf } {
  return {
    row: axisFunction(grid, grid.rowDims, grid.rowOffsets),
    col: axisFunction(grid, grid.colDims, grid.colOffsets),
  };
}
