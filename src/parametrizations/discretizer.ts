/**
 * The state grid of the LRPG reference code (its `Discretizer.get_index`; docs/lrpg.md),
 * reproduced bit for bit:
 *
 *   s_d   ← clip(s_d, low_d, high_d)
 *   idx_d = roundHalfEven( ((s_d − low_d) / range_d) · (b_d − 1) ),   range_d = high_d − low_d
 *
 * i.e. each dimension snaps to the nearest of b_d evenly spaced points, endpoints included
 * (not floor-binning). NumPy's `round` is round-half-to-even, and the operation order
 * (divide by the range first, then multiply by b−1) matters on near-ties; both are kept.
 * The dimensions listed in `rowDims` are flattened row-major into the matrix row
 * (row = Σ_d idx_d · Π_{later row dims} b), those in `colDims` likewise into the column.
 * N = Π_{rowDims} b_d rows, M = Π_{colDims} b_d columns.
 */

export interface DiscretizerOptions {
  /** Lower bound of each state dimension (states below are clipped to it). */
  low: ArrayLike<number>;
  /** Upper bound of each state dimension (states above are clipped to it); high_d > low_d. */
  high: ArrayLike<number>;
  /** Grid points per dimension (integer ≥ 1), or one count for every dimension. */
  buckets: ArrayLike<number> | number;
  /** State dimensions flattened (row-major, in this order) into the matrix row. */
  rowDims: readonly number[];
  /** State dimensions flattened (row-major, in this order) into the matrix column. */
  colDims: readonly number[];
}

/** Rounds a finite non-negative double to the nearest integer, ties to even (NumPy's `round`). */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f; // exact in float64
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * {@link roundHalfEven} for 0 ≤ x < 2³¹ without branches, in int32: with f = ⌊x⌋ (= x | 0 there)
 * and d = x − f (exact), f + 1 when d > 0.5, f + (f mod 2) when d = 0.5, else f. The same integer
 * for every such x; on random states the branches of the two-comparison form mispredict (the
 * population's cell pass, src/population/grid-cells.ts).
 */
export function roundHalfEvenNonNegative(x: number): number {
  const f = x | 0;
  const d = x - f;
  return (f + (+(d > 0.5) | (+(d === 0.5) & f))) | 0;
}

export class Discretizer {
  /** Number of state dimensions S. */
  readonly stateDim: number;
  /** Matrix rows N = Π_{rowDims} buckets. */
  readonly rows: number;
  /** Matrix columns M = Π_{colDims} buckets. */
  readonly cols: number;
  readonly low: Float64Array;
  readonly high: Float64Array;
  /** high − low, computed in float64 (e.g. 1.03 − 1.00 = 0.030000000000000027). */
  readonly range: Float64Array;
  readonly buckets: Int32Array;
  readonly rowDims: readonly number[];
  readonly colDims: readonly number[];
  /** Row-major multiplier of each row dim (same order as rowDims). */
  readonly rowOffsets: Int32Array;
  /** Row-major multiplier of each column dim (same order as colDims). */
  readonly colOffsets: Int32Array;
  // Per-dimension lookups for the hot path: which axis (0 row, 1 col) and multiplier.
  private readonly axisOf: Uint8Array;
  private readonly offsetOf: Int32Array;
  private readonly stepsOf: Float64Array;

  constructor(options: DiscretizerOptions) {
    const { low, high, rowDims, colDims } = options;
    if (!low || !high || typeof low.length !== "number" || typeof high.length !== "number") {
      throw new TypeError("Discretizer: low and high must be arrays of numbers");
    }
    const S = low.length;
    if (S < 1) throw new RangeError("Discretizer: low must have at least 1 entry (one per state dimension)");
    if (high.length !== S) {
      throw new RangeError(`Discretizer: high has ${high.length} entries, expected ${S} (the length of low)`);
    }
    const buckets =
      typeof options.buckets === "number"
        ? new Array<number>(S).fill(options.buckets)
        : Array.from(options.buckets ?? []);
    if (buckets.length !== S) {
      throw new RangeError(
        `Discretizer: buckets has ${buckets.length} entries, expected ${S} (the length of low)`,
      );
    }
    this.stateDim = S;
    this.low = new Float64Array(S);
    this.high = new Float64Array(S);
    this.range = new Float64Array(S);
    this.buckets = new Int32Array(S);
    this.stepsOf = new Float64Array(S);
    for (let d = 0; d < S; d++) {
      const lo = low[d];
      const hi = high[d];
      const b = buckets[d];
      if (!Number.isFinite(lo))
        throw new RangeError(`Discretizer: low[${d}] must be a finite number, got ${lo}`);
      if (!Number.isFinite(hi))
        throw new RangeError(`Discretizer: high[${d}] must be a finite number, got ${hi}`);
      if (!(lo < hi))
        throw new RangeError(`Discretizer: need low[${d}] < high[${d}], got low ${lo} >= high ${hi}`);
      if (!Number.isInteger(b) || b < 1 || b > 2 ** 20) {
        throw new RangeError(`Discretizer: buckets[${d}] must be an integer in [1, 2^20], got ${b}`);
      }
      this.low[d] = lo;
      this.high[d] = hi;
      this.range[d] = hi - lo;
      if (!Number.isFinite(this.range[d])) {
        throw new RangeError(`Discretizer: high[${d}] − low[${d}] must be finite, got ${this.range[d]}`);
      }
      this.buckets[d] = b;
      this.stepsOf[d] = b - 1;
    }
    const seen = new Set<number>();
    const checkDims = (dims: readonly number[], field: string): void => {
      if (!Array.isArray(dims) || dims.length < 1) {
        throw new RangeError(
          `Discretizer: ${field} must be a non-empty array of state dimensions in [0, ${S - 1}]`,
        );
      }
      for (const d of dims) {
        if (!Number.isInteger(d) || d < 0 || d >= S) {
          throw new RangeError(`Discretizer: ${field} entries must be integers in [0, ${S - 1}], got ${d}`);
        }
        if (seen.has(d)) {
          throw new RangeError(
            `Discretizer: dimension ${d} appears twice in rowDims/colDims (they must partition 0..${S - 1})`,
          );
        }
        seen.add(d);
      }
    };
    checkDims(rowDims, "rowDims");
    checkDims(colDims, "colDims");
    if (seen.size !== S) {
      const missing = [...Array(S).keys()].filter((d) => !seen.has(d));
      throw new RangeError(
        `Discretizer: rowDims and colDims must partition the state dimensions 0..${S - 1}; missing ${missing.join(", ")}`,
      );
    }
    this.rowDims = [...rowDims];
    this.colDims = [...colDims];
    this.axisOf = new Uint8Array(S);
    this.offsetOf = new Int32Array(S);
    const offsets = (dims: readonly number[], axis: number): [Int32Array, number] => {
      const out = new Int32Array(dims.length);
      let mult = 1;
      for (let k = dims.length - 1; k >= 0; k--) {
        out[k] = mult;
        this.axisOf[dims[k]] = axis;
        this.offsetOf[dims[k]] = mult;
        mult *= this.buckets[dims[k]];
      }
      return [out, mult];
    };
    const [ro, n] = offsets(this.rowDims, 0);
    const [co, m] = offsets(this.colDims, 1);
    if (n * m > 2 ** 31 - 1)
      throw new RangeError(`Discretizer: grid of ${n}×${m} cells is too large (max 2^31 − 1 cells)`);
    this.rowOffsets = ro;
    this.colOffsets = co;
    this.rows = n;
    this.cols = m;
  }

  /** Grid index of dimension `d` for the value `x` (clip, scale, round half to even). */
  index(x: number, d: number): number {
    if (x !== x)
      throw new RangeError(
        `Discretizer: state[${d}] is NaN (expected a number; values outside [low, high] are clipped)`,
      );
    const lo = this.low[d];
    const hi = this.high[d];
    const c = x < lo ? lo : x > hi ? hi : x;
    return roundHalfEven(((c - lo) / this.range[d]) * this.stepsOf[d]);
  }

  /**
   * Flat cell index row·cols + col of `state` (first `stateDim` entries read from `offset`),
   * allocation-free for hot loops. Recover the pair as (⌊f / cols⌋, f mod cols).
   */
  flatCell(state: ArrayLike<number>, offset = 0): number {
    const S = this.stateDim;
    let row = 0;
    let col = 0;
    for (let d = 0; d < S; d++) {
      const idx = this.index(state[offset + d], d) * this.offsetOf[d];
      if (this.axisOf[d] === 0) row += idx;
      else col += idx;
    }
    return row * this.cols + col;
  }

  /** Writes [row, col] of `state` into out[outOffset], out[outOffset+1] (allocation-free). */
  cellInto(state: ArrayLike<number>, out: { [i: number]: number }, outOffset = 0, stateOffset = 0): void {
    this.checkLength(state, stateOffset);
    const f = this.flatCell(state, stateOffset);
    const col = f % this.cols;
    out[outOffset] = (f - col) / this.cols;
    out[outOffset + 1] = col;
  }

  /** [row, col] of `state` in the N×M matrix. */
  cell(state: ArrayLike<number>): [number, number] {
    const out: [number, number] = [0, 0];
    this.cellInto(state, out);
    return out;
  }

  /** Throws unless `state` holds `stateDim` numbers from `offset`. */
  checkLength(state: ArrayLike<number>, offset = 0): void {
    if (!state || state.length - offset < this.stateDim) {
      throw new RangeError(
        `Discretizer: state must have ${this.stateDim} entries, got ${state ? state.length - offset : state}`,
      );
    }
  }

  /** The constructor options (for manifests and state dicts). */
  toJSON(): { low: number[]; high: number[]; buckets: number[]; rowDims: number[]; colDims: number[] } {
    return {
      low: Array.from(this.low),
      high: Array.from(this.high),
      buckets: Array.from(this.buckets),
      rowDims: [...this.rowDims],
      colDims: [...this.colDims],
    };
  }
}

/** Options of an {@link AxisGrid}: one entry per state dimension. */
export interface AxisGridOptions {
  /** Lower bound of each state dimension (states below are clipped to it). */
  low: ArrayLike<number>;
  /** Upper bound of each state dimension (states above are clipped to it); high_d > low_d. */
  high: ArrayLike<number>;
  /** Grid points per dimension (integer ≥ 1), or one count for every dimension. */
  buckets: ArrayLike<number> | number;
}

/**
 * The per-dimension indices i_d(s) of the tensor-low-rank reference (its `Discretizer.get_index`
 * without the row/column flattening, docs/tensor-pg.md): the same clip, scale and
 * round-half-to-even as {@link Discretizer.index}, one index per state dimension, so a CP tensor
 * reads the entry (i_0, …, i_{S−1}). Any S ≥ 1.
 */
export class AxisGrid {
  /** S, state dimensions (= tensor order of the grid). */
  readonly stateDim: number;
  readonly buckets: Int32Array;
  /** The flattening-free view of a {@link Discretizer} (all the validation and arithmetic are its). */
  private readonly grid: Discretizer;

  constructor(options: AxisGridOptions) {
    const S = options.low?.length ?? 0;
    // A 1-D grid is a Discretizer over [s, s] with the second copy as the (unused) column.
    const dup = <X>(a: ArrayLike<X>): X[] => (S === 1 ? [a[0], a[0]] : Array.from(a));
    const buckets = typeof options.buckets === "number" ? options.buckets : dup(options.buckets ?? []);
    this.grid = new Discretizer({
      low: dup(options.low ?? []),
      high: dup(options.high ?? []),
      buckets,
      rowDims: [0],
      colDims: [...Array(Math.max(S, 2)).keys()].slice(1),
    });
    this.stateDim = S;
    this.buckets = this.grid.buckets.slice(0, S);
  }

  get low(): Float64Array {
    return this.grid.low.subarray(0, this.stateDim);
  }

  get high(): Float64Array {
    return this.grid.high.subarray(0, this.stateDim);
  }

  /** i_d for the value x of dimension d. */
  index(x: number, d: number): number {
    return this.grid.index(x, d);
  }

  /** i_0 … i_{S−1} of the state at states[stateOffset …] into out[outOffset …] (allocation-free). */
  indicesInto(state: ArrayLike<number>, out: { [i: number]: number }, outOffset = 0, stateOffset = 0): void {
    for (let d = 0; d < this.stateDim; d++) out[outOffset + d] = this.grid.index(state[stateOffset + d], d);
  }

  /** Throws unless `state` holds `stateDim` numbers from `offset`. */
  checkLength(state: ArrayLike<number>, offset = 0): void {
    if (!state || state.length - offset < this.stateDim) {
      throw new RangeError(
        `AxisGrid: state must have ${this.stateDim} entries, got ${state ? state.length - offset : state}`,
      );
    }
  }

  toJSON(): { low: number[]; high: number[]; buckets: number[] } {
    return { low: Array.from(this.low), high: Array.from(this.high), buckets: Array.from(this.buckets) };
  }
}
