import type { BatchedGridLowRank } from "../parametrizations/batched-grid-low-rank.js";

/**
 * roundHalfEven (src/parametrizations/discretizer.ts) for 0 ≤ x < 2³¹ without branches, in int32:
 * with f = ⌊x⌋ (= x | 0 there) and d = x − f (exact), f + 1 when d > 0.5, f + (f mod 2) when d = 0.5,
 * else f. The same integer for every such x; on the population's random states the branches of the
 * two-comparison form mispredict.
 */
function roundTiesEven(x: number): number {
  const f = x | 0;
  const d = x - f;
  return (f + (+(d > 0.5) | (+(d === 0.5) & f))) | 0;
}

/**
 * The cells of every listed agent's state on the grids of two batched parametrizations over the
 * same state (LRPG's actor and critic), in one pass, as offsets into their factors. Per dimension d
 * and grid g: clip s_d to [low_d, high_d], u_d = (s_d − low_d)/range_d,
 * idx_{g,d} = roundHalfEven(u_d·(b_{g,d} − 1)) — the operations and the order of `Discretizer.index`
 * (docs/lrpg.md) — then agent p's row offset (p·N_g + row_g)·K_g = p·N_g·K_g + Σ_d idx_{g,d}·rowMult_{g,d}·K_g
 * and likewise its column offset (a dimension's multiplier on the other axis is 0): integer sums, so
 * exactly `rowOffset(p, i)`, `colOffset(p, j)` at the cell (i, j) of the grid's `flatCell`. Where both
 * grids have the same bounds on d (every paper task), u_d is computed once for both — the same
 * expression, so the same bits — saving a division per dimension. On 2-dimensional states (the
 * pendulum) the constants sit in locals for the whole pass.
 */
export class GridCellPair {
  private readonly dims: number;
  /**
   * Per d at 6d: low, high, range of the first grid; 1 when the second grid's bounds equal them
   * (else 0, its low, high, range at 3d of `second`); b − 1 of each grid.
   */
  private readonly constants: Float64Array;
  private readonly second: Float64Array;
  /** Per d at 4d: its multiplier·K in the first grid's row and column, the second grid's row and column. */
  private readonly multipliers: Int32Array;
  /** Per agent: N·K and M·K of the first grid, then of the second. */
  private readonly strides: Int32Array;

  constructor(a: BatchedGridLowRank, b: BatchedGridLowRank) {
    const first = a.grid;
    const second = b.grid;
    if (first.stateDim !== second.stateDim)
      throw new RangeError(
        `GridCellPair: grids over ${first.stateDim} and ${second.stateDim} state dimensions (must be equal)`,
      );
    const D = first.stateDim;
    this.dims = D;
    this.constants = new Float64Array(6 * D);
    this.second = new Float64Array(3 * D);
    this.multipliers = new Int32Array(4 * D);
    this.strides = Int32Array.of(a.rows * a.rank, a.cols * a.rank, b.rows * b.rank, b.cols * b.rank);
    const mult = (f: BatchedGridLowRank, axis: "row" | "col", d: number): number => {
      const dims = axis === "row" ? f.grid.rowDims : f.grid.colDims;
      const q = dims.indexOf(d);
      return q < 0 ? 0 : (axis === "row" ? f.grid.rowOffsets : f.grid.colOffsets)[q] * f.rank;
    };
    for (let d = 0; d < D; d++) {
      const shared =
        first.low[d] === second.low[d] &&
        first.high[d] === second.high[d] &&
        first.range[d] === second.range[d];
      const c = [first.low[d], first.high[d], first.range[d], shared ? 1 : 0];
      this.constants.set([...c, first.buckets[d] - 1, second.buckets[d] - 1], 6 * d);
      this.second.set([second.low[d], second.high[d], second.range[d]], 3 * d);
      this.multipliers.set(
        [mult(a, "row", d), mult(a, "col", d), mult(b, "row", d), mult(b, "col", d)],
        4 * d,
      );
    }
  }

  /**
   * For each listed agent p = list[x] (x < n), state at states[p·stride …]: its offsets in the first
   * parametrization's L and R at rowA[q], colA[q] and in the second's at rowB[q], colB[q], q = p·T + t.
   */
  offsetsOf(
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
  ): void {
    if (this.dims === 2) return this.offsetsOf2(states, stride, list, n, t, T, rowA, colA, rowB, colB);
    const c = this.constants;
    const m = this.multipliers;
    const s = this.strides;
    const sRa = s[0],
      sCa = s[1],
      sRb = s[2],
      sCb = s[3];
    for (let x = 0; x < n; x++) {
      const p = list[x];
      let r1 = p * sRa;
      let c1 = p * sCa;
      let r2 = p * sRb;
      let c2 = p * sCb;
      for (let d = 0; d < this.dims; d++) {
        const v = states[p * stride + d];
        if (v !== v) throw nanState(d);
        const o = 6 * d;
        const lo = c[o];
        const hi = c[o + 1];
        const u = ((v < lo ? lo : v > hi ? hi : v) - lo) / c[o + 2];
        let u2 = u;
        if (c[o + 3] === 0) {
          const s = this.second;
          const lo2 = s[3 * d];
          const hi2 = s[3 * d + 1];
          u2 = ((v < lo2 ? lo2 : v > hi2 ? hi2 : v) - lo2) / s[3 * d + 2];
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
  }

  /** {@link offsetsOf} on 2-dimensional states, the constants in locals. */
  private offsetsOf2(
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
  ): void {
    // Indexed reads (destructuring would iterate): the constants of d = 0 and d = 1 in locals.
    const c = this.constants;
    const lo0 = c[0],
      hi0 = c[1],
      range0 = c[2],
      shared0 = c[3],
      sa0 = c[4],
      sb0 = c[5];
    const lo1 = c[6],
      hi1 = c[7],
      range1 = c[8],
      shared1 = c[9],
      sa1 = c[10],
      sb1 = c[11];
    const b = this.second;
    const bLo0 = b[0],
      bHi0 = b[1],
      bRange0 = b[2],
      bLo1 = b[3],
      bHi1 = b[4],
      bRange1 = b[5];
    const m = this.multipliers;
    const ra0 = m[0],
      ca0 = m[1],
      rb0 = m[2],
      cb0 = m[3],
      ra1 = m[4],
      ca1 = m[5],
      rb1 = m[6],
      cb1 = m[7];
    const z = this.strides;
    const sRa = z[0],
      sCa = z[1],
      sRb = z[2],
      sCb = z[3];
    for (let x = 0; x < n; x++) {
      const p = list[x];
      const v0 = states[p * stride];
      const v1 = states[p * stride + 1];
      if (v0 !== v0 || v1 !== v1) throw nanState(v0 !== v0 ? 0 : 1);
      const u0 = ((v0 < lo0 ? lo0 : v0 > hi0 ? hi0 : v0) - lo0) / range0;
      const u1 = ((v1 < lo1 ? lo1 : v1 > hi1 ? hi1 : v1) - lo1) / range1;
      const w0 = shared0 === 1 ? u0 : ((v0 < bLo0 ? bLo0 : v0 > bHi0 ? bHi0 : v0) - bLo0) / bRange0;
      const w1 = shared1 === 1 ? u1 : ((v1 < bLo1 ? bLo1 : v1 > bHi1 ? bHi1 : v1) - bLo1) / bRange1;
      const a0 = roundTiesEven(u0 * sa0);
      const a1 = roundTiesEven(u1 * sa1);
      const b0 = roundTiesEven(w0 * sb0);
      const b1 = roundTiesEven(w1 * sb1);
      const q = p * T + t;
      rowA[q] = p * sRa + a0 * ra0 + a1 * ra1;
      colA[q] = p * sCa + a0 * ca0 + a1 * ca1;
      rowB[q] = p * sRb + b0 * rb0 + b1 * rb1;
      colB[q] = p * sCb + b0 * cb0 + b1 * cb1;
    }
  }
}

function nanState(d: number): RangeError {
  return new RangeError(
    `Discretizer: state[${d}] is NaN (expected a number; values outside [low, high] are clipped)`,
  );
}
