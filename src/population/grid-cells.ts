import type { BatchedGridLowRank } from "../parametrizations/batched-grid-low-rank.js";
import { roundHalfEvenNonNegative as roundTiesEven } from "../parametrizations/discretizer.js";

/**
 * The cells of every listed agent's state on the grids of two batched parametrizations over the
 * same state (LRPG's actor and critic), in one pass, as offsets into their factors. Per dimension d
 * and grid g: clip s_d to [low_d, high_d], u_d = (s_d − low_d)/range_d,
 * idx_{g,d} = roundHalfEven(u_d·(b_{g,d} − 1)) — the operations and the order of `Discretizer.index`
 * (docs/lrpg.md) — then agent p's row offset (p·N_g + row_g)·K_g = p·N_g·K_g + Σ_d idx_{g,d}·rowMult_{g,d}·K_g
 * and likewise its column offset (a dimension's multiplier on the other axis is 0): integer sums, so
 * exactly `rowOffset(p, i)`, `colOffset(p, j)` at the cell (i, j) of the grid's `flatCell`. Where both
 * grids have the same bounds on d (every paper task), u_d is computed once for both — the same
 * expression, so the same bits — saving a division per dimension. On 2-dimensional states with shared
 * bounds (the pendulum's) the constants sit in locals for the whole pass.
 */
export class GridCellPair {
  /**
   * For each listed agent p = list[x] (x < n), state at states[p·stride …]: its offsets in the first
   * parametrization's L and R at rowA[q], colA[q] and in the second's at rowB[q], colB[q], q = p·T + t.
   */
  readonly offsetsOf: OffsetsPass;
  /**
   * True on 2-dimensional states whose two grids share their bounds (the pendulum's): a fused loop
   * then computes the offsets itself from {@link constants2} and {@link multipliers2}.
   */
  readonly two: boolean;
  /** low, high, range, b_first − 1, b_second − 1 of dimension 0, then of dimension 1 (zeros unless {@link two}). */
  readonly constants2 = new Float64Array(10);
  /**
   * Multiplier·K of dimensions 0 and 1 in the first grid's row and column and the second's (4 per
   * dimension), then the per-agent strides N·K, M·K of each grid (zeros unless {@link two}).
   */
  readonly multipliers2 = new Int32Array(12);

  constructor(a: BatchedGridLowRank, b: BatchedGridLowRank) {
    const [first, second] = [a.grid, b.grid];
    if (first.stateDim !== second.stateDim)
      throw new RangeError(
        `GridCellPair: grids over ${first.stateDim} and ${second.stateDim} state dimensions (must be equal)`,
      );
    const D = first.stateDim;
    // Per d at 9d: low, high, range of the first grid; 1 when the second grid's bounds equal them, else
    // 0; b − 1 of each grid; low, high, range of the second grid. Per d at 4d: its multiplier·K in the
    // first grid's row and column, the second grid's row and column. Per agent: N·K, M·K of each grid.
    const constants = new Float64Array(9 * D);
    const multipliers = new Int32Array(4 * D);
    const strides = Int32Array.of(a.rows * a.rank, a.cols * a.rank, b.rows * b.rank, b.cols * b.rank);
    const mult = (f: BatchedGridLowRank, axis: "row" | "col", d: number): number => {
      const q = (axis === "row" ? f.grid.rowDims : f.grid.colDims).indexOf(d);
      return q < 0 ? 0 : (axis === "row" ? f.grid.rowOffsets : f.grid.colOffsets)[q] * f.rank;
    };
    for (let d = 0; d < D; d++) {
      const [lo, hi, range] = [second.low[d], second.high[d], second.range[d]];
      const shared = first.low[d] === lo && first.high[d] === hi && first.range[d] === range ? 1 : 0;
      const steps = [first.buckets[d] - 1, second.buckets[d] - 1];
      constants.set([first.low[d], first.high[d], first.range[d], shared, ...steps, lo, hi, range], 9 * d);
      multipliers.set([mult(a, "row", d), mult(a, "col", d), mult(b, "row", d), mult(b, "col", d)], 4 * d);
    }
    const twoShared = D === 2 && constants[3] === 1 && constants[12] === 1;
    this.offsetsOf = (twoShared ? offsetsPass2 : offsetsPass)(constants, multipliers, strides, D);
    this.two = twoShared;
    if (twoShared) {
      this.constants2.set([0, 1, 2, 4, 5, 9, 10, 11, 13, 14].map((i) => constants[i]));
      this.multipliers2.set([...multipliers.subarray(0, 8), ...strides]);
    }
  }
}

/** One pass of {@link GridCellPair.offsetsOf}. */
type OffsetsPass = (
  states: Float64Array,
  stride: number,
  list: Int32Array,
  n: number,
  t: number,
  T: number,
  rowA: Int32Array,
  colA: Int32Array,
  rowB: Int32Array,
  colB: Int32Array,
) => void;

/** {@link GridCellPair.offsetsOf} over D dimensions. */
function offsetsPass(c: Float64Array, m: Int32Array, st: Int32Array, dims: number): OffsetsPass {
  return (states, stride, list, n, t, T, rowA, colA, rowB, colB) => {
    for (let x = 0; x < n; x++) {
      const p = list[x];
      let r1 = p * st[0];
      let c1 = p * st[1];
      let r2 = p * st[2];
      let c2 = p * st[3];
      for (let d = 0; d < dims; d++) {
        const v = states[p * stride + d];
        if (v !== v) throw nanState(d);
        const o = 9 * d;
        const lo = c[o];
        const hi = c[o + 1];
        const u = ((v < lo ? lo : v > hi ? hi : v) - lo) / c[o + 2];
        let u2 = u;
        if (c[o + 3] === 0) {
          const lo2 = c[o + 6];
          const hi2 = c[o + 7];
          u2 = ((v < lo2 ? lo2 : v > hi2 ? hi2 : v) - lo2) / c[o + 8];
        }
        const i1 = roundTiesEven(u * c[o + 4]);
        const i2 = roundTiesEven(u2 * c[o + 5]);
        r1 += i1 * m[4 * d];
        c1 += i1 * m[4 * d + 1];
        r2 += i2 * m[4 * d + 2];
        c2 += i2 * m[4 * d + 3];
      }
      const q = p * T + t;
      rowA[q] = r1;
      colA[q] = c1;
      rowB[q] = r2;
      colB[q] = c2;
    }
  };
}

/**
 * {@link GridCellPair.offsetsOf} on 2-dimensional states whose two grids share their bounds (the
 * pendulum's), the constants read into locals once per pass.
 */
function offsetsPass2(c: Float64Array, m: Int32Array, st: Int32Array): OffsetsPass {
  return (states, stride, list, n, t, T, rowA, colA, rowB, colB) => {
    const lo0 = c[0];
    const hi0 = c[1];
    const range0 = c[2];
    const a0 = c[4];
    const b0 = c[5];
    const lo1 = c[9];
    const hi1 = c[10];
    const range1 = c[11];
    const a1 = c[13];
    const b1 = c[14];
    const ra0 = m[0];
    const ca0 = m[1];
    const rb0 = m[2];
    const cb0 = m[3];
    const ra1 = m[4];
    const ca1 = m[5];
    const rb1 = m[6];
    const cb1 = m[7];
    const sRa = st[0];
    const sCa = st[1];
    const sRb = st[2];
    const sCb = st[3];
    for (let x = 0; x < n; x++) {
      const p = list[x];
      const v0 = states[p * stride];
      const v1 = states[p * stride + 1];
      if (v0 !== v0 || v1 !== v1) throw nanState(v0 !== v0 ? 0 : 1);
      const u0 = ((v0 < lo0 ? lo0 : v0 > hi0 ? hi0 : v0) - lo0) / range0;
      const u1 = ((v1 < lo1 ? lo1 : v1 > hi1 ? hi1 : v1) - lo1) / range1;
      const i0 = roundTiesEven(u0 * a0);
      const i1 = roundTiesEven(u1 * a1);
      const j0 = roundTiesEven(u0 * b0);
      const j1 = roundTiesEven(u1 * b1);
      const q = p * T + t;
      rowA[q] = p * sRa + i0 * ra0 + i1 * ra1;
      colA[q] = p * sCa + i0 * ca0 + i1 * ca1;
      rowB[q] = p * sRb + j0 * rb0 + j1 * rb1;
      colB[q] = p * sCb + j0 * cb0 + j1 * cb1;
    }
  };
}

export function nanState(d: number): RangeError {
  return new RangeError(
    `Discretizer: state[${d}] is NaN (expected a number; values outside [low, high] are clipped)`,
  );
}
