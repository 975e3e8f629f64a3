import { CPTensor } from "../factor/cp-tensor.js";
import { makeParameter, type Parameter } from "../optim/parameter.js";
import type { Rng } from "../random/rng.js";
import { roundHalfEvenNonNegative, type AxisGrid } from "./discretizer.js";
import type { Parametrization, StateDictEntry } from "./parametrization.js";

/** Batches of at most this many states run the 3-mode backward state by state (no grouping). */
const SMALL_BATCH = 32;

/** Grids with at most this many entries keep a table of a batch's distinct entries (4 bytes each). */
const MAX_CELL_TABLE = 1 << 20;

/** A batch's states grouped by their index in one mode (see CpGrid's rowsBy). */
interface RowGroups {
  rows: Int32Array;
  offA: Int32Array;
  offB: Int32Array;
  /** Mode 2 with a pair table: (i_0·I_1 + i_1)·R. */
  offP: Int32Array | null;
  start: Int32Array;
  /** T of the batch they were built for; −1: stale. */
  count: number;
}

export interface CpGridOptions {
  /** The state grid: one tensor mode per state dimension (I_d = buckets_d). */
  grid: AxisGrid;
  /** R, the CP rank (integer ≥ 1). */
  rank: number;
  /**
   * Size P of an output mode (several outputs per state: softmax logits, a vector mean). Omitted:
   * no output mode, one output per state.
   */
  outputs?: number;
  /** State-dict prefix: keys `<name>.factors.<d>` (`factors.<d>` when empty, the reference's names). */
  name?: string;
}

/**
 * A CP/PARAFAC tensor read at the state's grid entry (the tensor-low-rank policies and critics,
 * docs/tensor-pg.md). With i_d = i_d(s) from the {@link AxisGrid} and factors U_d ∈ ℝ^{I_d×R}:
 *
 *   p_r(s) = Π_d U_d[i_d, r]   (multiplied in mode order d = 0, 1, …, as the reference),
 *   z(s) = Σ_r p_r(s)                          without an output mode,
 *   z_a(s) = Σ_r p_r(s) · U_out[a, r]          with an output mode U_out ∈ ℝ^{P×R}.
 *
 * Gradients, for g = ∂J/∂z at one state (w_r = g, or Σ_a g_a U_out[a, r] with an output mode):
 *   ∂J/∂U_d[i_d, r] += w_r · Π_{e≠d} U_e[i_e, r],   ∂J/∂U_out[a, r] += g_a · p_r.
 * Only the rows of the visited entries are touched: a batch costs O(T·R·(S + P)). Parameters
 * R·(Σ_d I_d + P). With S = 2, U_0 = L and U_1 = R this is LRPG's X = L Rᵀ read at (row, col).
 */
export class CpGrid implements Parametrization {
  readonly grid: AxisGrid;
  readonly rank: number;
  readonly inputDim: number;
  readonly outputDim: number;
  /** Whether the last factor is an output mode. */
  readonly hasOutputMode: boolean;
  /** U_0 … U_{S−1} (I_d×R, row-major), then U_out (P×R) when there is an output mode. */
  readonly factors: readonly Parameter[];
  private readonly S: number;
  /** Grid indices of the last batch, T×S. */
  private idx = new Int32Array(0);
  private batch = 0;
  /** The states the indices in {@link idx} were computed from (reused while they are unchanged). */
  private idxStates = new Float64Array(0);
  private idxCount = -1;
  /** The array the kept indices were computed from (for callers that promise unchanged values). */
  private idxSource: Float64Array | null = null;
  /**
   * The batch's distinct grid entries (when the grid has at most {@link MAX_CELL_TABLE} entries):
   * cellOf[t] = the entry's position in the distinct list, firstOf[c] = the first state at it.
   * A forward evaluates each distinct entry once (the same operations as per state) and gathers.
   */
  private cellOf = new Int32Array(0);
  private firstOf = new Int32Array(0);
  private cells = 0;
  private readonly cellStamp: Int32Array | null;
  private cellValue = new Float64Array(0);
  /** Scratch: z or g of the least-squares sweeps. */
  /** Per mode, the kept batch's states grouped by index ({@link rowsBy}); null: not built for this batch. */
  private readonly groups: (RowGroups | null)[];
  /** The grid's lo_d, hi_d, hi_d − lo_d and I_d − 1, read once (the grid's own numbers). */
  private readonly axes: { low: Float64Array; high: Float64Array; range: Float64Array; steps: Float64Array };
  /** Scratch for mode 0 × mode 1 products (3-mode grids with I_0·I_1·R ≤ 2^16), else null. */
  private readonly pairTable: Float64Array | null;
  private fitZ = new Float64Array(0);
  /** Scratch: p_r, prefix products, backward weights. */
  private readonly prod: Float64Array;
  private readonly prefix: Float64Array;
  private readonly w: Float64Array;
  private readonly one: Int32Array;

  constructor(options: CpGridOptions) {
    const { grid, rank } = options;
    if (!Number.isInteger(rank) || rank < 1)
      throw new RangeError(`CpGrid: rank must be an integer >= 1, got ${rank}`);
    const P = options.outputs;
    if (P !== undefined && (!Number.isInteger(P) || P < 1))
      throw new RangeError(`CpGrid: outputs (output-mode size) must be an integer >= 1, got ${P}`);
    const prefix = options.name ? `${options.name}.` : "";
    this.grid = grid;
    this.rank = rank;
    this.S = grid.stateDim;
    this.inputDim = grid.stateDim;
    this.hasOutputMode = P !== undefined;
    this.outputDim = P ?? 1;
    const shapes = Array.from(grid.buckets, (b) => b);
    if (P !== undefined) shapes.push(P);
    this.factors = shapes.map((I, d) => makeParameter(`${prefix}factors.${d}`, [I, rank]));
    this.prod = new Float64Array(rank);
    this.prefix = new Float64Array(rank * (this.S + 1));
    this.w = new Float64Array(rank);
    this.one = new Int32Array(this.S);
    let entries = 1;
    for (let d = 0; d < this.S; d++) entries *= grid.buckets[d];
    this.groups = Array.from({ length: this.S }, () => null);
    const low = Float64Array.from(grid.low);
    const high = Float64Array.from(grid.high);
    this.axes = {
      low,
      high,
      range: high.map((h, d) => h - low[d]),
      steps: Float64Array.from(grid.buckets, (b) => b - 1),
    };
    const pairs = this.S === 3 ? grid.buckets[0] * grid.buckets[1] * rank : Infinity;
    this.pairTable = pairs <= 1 << 16 ? new Float64Array(pairs) : null;
    this.cellStamp = entries <= MAX_CELL_TABLE ? new Int32Array(entries).fill(-1) : null;
  }

  get parameters(): Parameter[] {
    return [...this.factors];
  }

  get parameterCount(): number {
    return this.factors.reduce((n, p) => n + p.data.length, 0);
  }

  /** Tensor shape: the grid's buckets (then P with an output mode). */
  get shape(): number[] {
    return this.factors.map((p) => p.shape[0]);
  }

  /**
   * Fills every factor with scale·(N(0, 1) + bias) draws, factor by factor, row-major (the
   * reference's `scale * (randn + bias)` init order).
   */
  initNormal(rng: Rng, scale = 1, bias = 0): void {
    for (const p of this.factors)
      for (let i = 0; i < p.data.length; i++) p.data[i] = scale * (rng.normal() + bias);
  }

  /** The factors as a {@link CPTensor} sharing their storage (reconstruct, CP-ALS comparisons). */
  toCPTensor(): CPTensor {
    return new CPTensor(
      this.shape,
      this.rank,
      this.factors.map((p) => p.data),
    );
  }

  /** p_r = Π_d U_d[i_d, r] for the indices at idx[o …] into {@link prod}. */
  private products(idx: Int32Array, o: number): void {
    const R = this.rank;
    const prod = this.prod;
    const U0 = this.factors[0].data;
    const b0 = idx[o] * R;
    for (let r = 0; r < R; r++) prod[r] = U0[b0 + r];
    for (let d = 1; d < this.S; d++) {
      const U = this.factors[d].data;
      const b = idx[o + d] * R;
      for (let r = 0; r < R; r++) prod[r] *= U[b + r];
    }
  }

  /** z at the grid entry idx[o … o+S−1] into out[outOffset …]. */
  forwardIndices(idx: Int32Array, o: number, out: Float64Array, outOffset = 0): void {
    this.products(idx, o);
    const R = this.rank;
    const prod = this.prod;
    if (!this.hasOutputMode) {
      let s = 0;
      for (let r = 0; r < R; r++) s += prod[r];
      out[outOffset] = s;
      return;
    }
    const Uo = this.factors[this.S].data;
    for (let a = 0; a < this.outputDim; a++) {
      let s = 0;
      for (let r = 0; r < R; r++) s += prod[r] * Uo[a * R + r];
      out[outOffset + a] = s;
    }
  }

  /** i_0 … i_{S−1} of one state (checks its length). */
  indicesOf(state: ArrayLike<number>, out: Int32Array = new Int32Array(this.S)): Int32Array {
    this.grid.checkLength(state);
    this.grid.indicesInto(state, out, 0, 0);
    return out;
  }

  forwardOne(state: ArrayLike<number>, out: Float64Array, outOffset = 0): void {
    const S = this.S;
    if (state.length < S) this.grid.checkLength(state);
    const one = this.one;
    const grid = this.grid;
    for (let d = 0; d < S; d++) one[d] = grid.index(state[d], d); // throws on a NaN entry
    this.forwardIndices(one, 0, out, outOffset);
  }

  /** Grid indices of the first T states into {@link idx} (reused while the states are unchanged). */
  private keepIndices(states: Float64Array, T: number): void {
    const S = this.S;
    const n = T * S;
    if (this.idx.length < n) {
      const cap = Math.max(n, 2 * this.idx.length);
      this.idx = new Int32Array(cap);
      this.idxStates = new Float64Array(cap);
      this.idxCount = -1;
    }
    const idx = this.idx;
    // Optimizers evaluate the same batch many times (epochs, L-BFGS closures): the grid indices
    // are recomputed only when the states differ from the last batch's (compared value by value).
    // (!== treats ±0 as equal, which give the same index; NaN never equals, and throws below.)
    let same = this.idxCount === n;
    const kept = this.idxStates;
    if (same) for (let i = 0; i < n; i++) if (kept[i] !== states[i]) same = false;
    this.idxSource = null;
    if (!same) {
      this.idxCount = -1; // stays invalid if an index throws (a NaN state)
      for (const g of this.groups) if (g !== null) g.count = -1; // regrouped on the next backward
      this.batchIndices(states, n, idx);
      kept.set(states.subarray(0, n));
      this.findCells(T);
      this.idxCount = n;
    }
    this.idxSource = states;
    this.batch = T;
  }

  /**
   * idx[i] = the grid's index of states[i] for the first n numbers (S per state), mode by mode:
   * i_d = round-half-even(((clip(x, lo_d, hi_d) − lo_d)/(hi_d − lo_d))·(I_d − 1)) as
   * {@link AxisGrid.index} computes it, with the branch-free rounding of
   * {@link roundHalfEvenNonNegative} (its argument lies in [0, I_d − 1]: the same integer). A NaN
   * throws the grid's error.
   */
  private batchIndices(states: Float64Array, n: number, idx: Int32Array): void {
    const S = this.S;
    const grid = this.grid;
    const { low, high, range, steps: stepsOf } = this.axes;
    for (let d = 0; d < S; d++) {
      const lo = low[d];
      const hi = high[d];
      const rg = range[d];
      const steps = stepsOf[d];
      for (let i = d; i < n; i += S) {
        const x = states[i];
        if (x !== x) grid.index(x, d); // throws, naming the entry
        const c = x < lo ? lo : x > hi ? hi : x;
        idx[i] = roundHalfEvenNonNegative(((c - lo) / rg) * steps);
      }
    }
  }

  /** {@link cellOf} and {@link firstOf} for the first T states' indices (when the grid has a stamp table). */
  private findCells(T: number): void {
    const stamp = this.cellStamp;
    this.cells = 0;
    if (stamp === null) return;
    if (this.cellOf.length < T) this.cellOf = new Int32Array(Math.max(T, 2 * this.cellOf.length));
    const S = this.S;
    const B = this.grid.buckets;
    const idx = this.idx;
    const cellOf = this.cellOf;
    let first = this.firstOf;
    let cells = 0;
    for (let t = 0, o = 0; t < T; t++, o += S) {
      let flat = 0;
      for (let d = 0; d < S; d++) flat = flat * B[d] + idx[o + d];
      let c = stamp[flat];
      if (c < 0) {
        c = cells++;
        stamp[flat] = c;
        if (first.length < cells) {
          const grown = new Int32Array(Math.max(16, 2 * first.length));
          grown.set(first);
          first = grown;
        }
        first[c] = t;
      }
      cellOf[t] = c;
    }
    this.firstOf = first;
    this.cells = cells;
    // reset the stamps of the visited entries
    for (let c = 0; c < cells; c++) {
      const o = first[c] * S;
      let flat = 0;
      for (let d = 0; d < S; d++) flat = flat * B[d] + idx[o + d];
      stamp[flat] = -1;
    }
  }

  forwardBatch(states: Float64Array, T: number, out: Float64Array): void {
    this.keepIndices(states, T);
    this.forwardKept(out);
  }

  /**
   * {@link forwardBatch} for a caller that guarantees the states' values are unchanged since it
   * last passed this array (an optimizer re-evaluating one batch at new parameters): when
   * `states` is the array of the last forwardBatch (or {@link sparseJacobianRows}) with the same
   * T, the kept indices are used without comparing the values; otherwise it is forwardBatch.
   * The same numbers.
   */
  forwardSameBatch(states: Float64Array, T: number, out: Float64Array): void {
    if (!this.isLastBatch(states, T)) this.keepIndices(states, T);
    this.forwardKept(out);
  }

  /**
   * {@link forwardSameBatch}'s outputs without the gather: z_t = values[cellOf[t]] over the batch's
   * distinct grid entries (each entry evaluated as forwardBatch does; the same numbers), or null
   * when the grid keeps no entry table (an output mode, or more than 2^20 entries). The arrays are
   * the grid's own, valid until its next batch call.
   */
  forwardSameBatchCells(
    states: Float64Array,
    T: number,
  ): { values: Float64Array; cellOf: Int32Array } | null {
    if (!this.isLastBatch(states, T)) this.keepIndices(states, T);
    if (this.hasOutputMode || this.cells === 0) return null;
    const C = this.cells;
    if (this.cellValue.length < C) this.cellValue = new Float64Array(Math.max(C, 2 * this.cellValue.length));
    const val = this.cellValue;
    this.cellValues(val);
    return { values: val, cellOf: this.cellOf };
  }

  /**
   * z of each distinct entry of the kept batch into val[c] ({@link forwardIndices} at its first
   * state; three modes without output mode written out: Σ_r (U_0·U_1)·U_2, the same operations).
   */
  private cellValues(val: Float64Array): void {
    const C = this.cells;
    const S = this.S;
    const idx = this.idx;
    const first = this.firstOf;
    if (S !== 3 || this.hasOutputMode) {
      for (let c = 0; c < C; c++) this.forwardIndices(idx, first[c] * S, val, c);
      return;
    }
    const R = this.rank;
    const U0 = this.factors[0].data;
    const U1 = this.factors[1].data;
    const U2 = this.factors[2].data;
    for (let c = 0; c < C; c++) {
      const o = first[c] * 3;
      const b0 = idx[o] * R;
      const b1 = idx[o + 1] * R;
      const b2 = idx[o + 2] * R;
      let s = 0;
      for (let r = 0; r < R; r++) s += U0[b0 + r] * U1[b1 + r] * U2[b2 + r];
      val[c] = s;
    }
  }

  /** Whether `states` (T of them) is the array the kept indices were computed from. */
  private isLastBatch(states: Float64Array, T: number): boolean {
    return states === this.idxSource && this.idxCount === T * this.S;
  }

  /** z_t of the kept batch ({@link idx}, {@link batch}) into out. */
  private forwardKept(out: Float64Array): void {
    const T = this.batch;
    const S = this.S;
    const idx = this.idx;
    if (this.hasOutputMode) {
      const D = this.outputDim;
      for (let t = 0; t < T; t++) this.forwardIndices(idx, t * S, out, t * D);
    } else if (this.cells > 0) {
      // each distinct entry once, then a gather: the numbers of the per-state loop
      const C = this.cells;
      if (this.cellValue.length < C)
        this.cellValue = new Float64Array(Math.max(C, 2 * this.cellValue.length));
      const val = this.cellValue;
      this.cellValues(val);
      const cellOf = this.cellOf;
      for (let t = 0; t < T; t++) out[t] = val[cellOf[t]];
    } else if (S === 3) this.forwardBatch3(idx, T, out);
    else for (let t = 0; t < T; t++) this.forwardIndices(idx, t * S, out, t);
  }

  /**
   * {@link forwardIndices} for T states of a 3-mode grid without output mode, fused: per state
   * s = Σ_r (U_0[i_0, r]·U_1[i_1, r])·U_2[i_2, r], summed over r from 0 (the same operations in the
   * same order).
   */
  private forwardBatch3(idx: Int32Array, T: number, out: Float64Array): void {
    const R = this.rank;
    const U0 = this.factors[0].data;
    const U1 = this.factors[1].data;
    const U2 = this.factors[2].data;
    for (let t = 0, o = 0; t < T; t++, o += 3) {
      const b0 = idx[o] * R;
      const b1 = idx[o + 1] * R;
      const b2 = idx[o + 2] * R;
      let s = 0;
      for (let r = 0; r < R; r++) s += U0[b0 + r] * U1[b1 + r] * U2[b2 + r];
      out[t] = s;
    }
  }

  /**
   * A least-squares fit's loss and gradient in one sweep over a batch whose values the caller
   * guarantees unchanged since it last passed the array (as {@link forwardSameBatch}): with z_t
   * as forwardBatch computes it and y = `targets`,
   *
   *   e_t = z_t − y_t,   returns Σ_t e_t² (added in t order),
   *
   * and, unless `scale` is null, adds exactly what {@link backwardBatchOf}(g, `only`) adds for
   * g_t = scale·e_t (the critic's regression on the returns: loss = Σ/N, scale = 2/N, as
   * docs/tensor-pg.md). A caller whose loss rules the gradient out (a guard) zeroes the gradients.
   */
  squaredErrorSameBatch(
    states: Float64Array,
    T: number,
    targets: Float64Array,
    scale: number | null,
    only: ReadonlySet<Parameter> | null,
  ): number {
    if (!this.isLastBatch(states, T)) this.keepIndices(states, T);
    if (targets.length < T)
      throw new RangeError(
        `CpGrid.squaredErrorSameBatch: targets must hold >= ${T} numbers, got ${targets.length}`,
      );
    if (this.hasOutputMode || this.S !== 3 || this.cells === 0) {
      // the generic passes: forward, the sum, then backward
      if (this.fitZ.length < T) this.fitZ = new Float64Array(Math.max(T, 2 * this.fitZ.length));
      const z = this.fitZ;
      this.forwardKept(z);
      let sum = 0;
      for (let t = 0; t < T; t++) {
        const e = z[t] - targets[t];
        sum += e * e;
      }
      if (scale === null) return sum;
      for (let t = 0; t < T; t++) z[t] = scale * (z[t] - targets[t]);
      this.backwardBatchOf(z, only);
      return sum;
    }
    const f = this.factors;
    const want0 = only === null || only.has(f[0]);
    const want1 = only === null || only.has(f[1]);
    const want2 = only === null || only.has(f[2]);
    return this.squaredError3(targets, scale, want0, want1, want2);
  }

  /**
   * {@link squaredErrorSameBatch} on a 3-mode grid with the distinct-entry table: each entry's z
   * once, then per state (t in order) e_t, the sum and g_t = scale·e_t, then the
   * {@link backwardBatch3} updates of the wanted factors.
   */
  private squaredError3(
    y: Float64Array,
    scale: number | null,
    want0: boolean,
    want1: boolean,
    want2: boolean,
  ): number {
    const T = this.batch;
    const C = this.cells;
    const cellOf = this.cellOf;
    if (this.cellValue.length < C) this.cellValue = new Float64Array(Math.max(C, 2 * this.cellValue.length));
    const val = this.cellValue;
    this.cellValues(val);
    let sum = 0;
    if (scale === null || !(want0 || want1 || want2)) {
      for (let t = 0; t < T; t++) {
        const e = val[cellOf[t]] - y[t];
        sum += e * e;
      }
      return sum;
    }
    if (this.fitZ.length < T) this.fitZ = new Float64Array(Math.max(T, 2 * this.fitZ.length));
    const g = this.fitZ;
    for (let t = 0; t < T; t++) {
      const e = val[cellOf[t]] - y[t];
      sum += e * e;
      g[t] = scale * e;
    }
    this.backwardBatch3(g, want0, want1, want2);
    return sum;
  }

  /** The grid indices of the last batch (T×S, a view valid until the next forwardBatch). */
  lastIndices(): Int32Array {
    return this.idx.subarray(0, this.batch * this.S);
  }

  backwardBatch(gradZ: Float64Array): void {
    this.backwardBatchOf(gradZ, null);
  }

  /**
   * {@link backwardBatch} restricted to the factors in `only` (null: all): the other factors'
   * gradients are left untouched, the listed ones receive exactly what {@link backwardBatch} adds
   * (block-coordinate updates that zero the other blocks' gradients need no more).
   */
  backwardBatchOf(gradZ: Float64Array, only: ReadonlySet<Parameter> | null): void {
    if (!this.hasOutputMode && this.S === 3) {
      const f = this.factors;
      this.backwardBatch3(
        gradZ,
        only === null || only.has(f[0]),
        only === null || only.has(f[1]),
        only === null || only.has(f[2]),
      );
      return;
    }
    if (only !== null) {
      // the generic sweep: compute all, then restore the untouched factors' gradients
      const saved = this.factors.map((p) => (only.has(p) ? null : p.grad.slice()));
      this.backwardBatchAll(gradZ);
      this.factors.forEach((p, d) => {
        const g = saved[d];
        if (g !== null) p.grad.set(g);
      });
      return;
    }
    this.backwardBatchAll(gradZ);
  }

  /**
   * The backward sweep of a 3-mode grid without output mode: the numbers {@link backwardBatchAll}
   * adds, per state and rank r (with p₁ = 1·U_0, p₂ = p₁·U_1 and w = g):
   *   ∇U_2 += w·p₂, w ← w·U_2;   ∇U_1 += w·p₁, w ← w·U_1;   ∇U_0 += w·1,
   * i.e. ∇U_2[i_2, r] += g·(U_0·U_1), ∇U_1[i_1, r] += (g·U_2)·U_0, ∇U_0[i_0, r] += (g·U_2)·U_1
   * (the factors ·1 are exact). Each gradient entry receives its states' terms in the same order
   * (t ascending), so it is summed factor by factor over the rows grouped by their index
   * ({@link accumulateRows}): the same numbers.
   */
  private backwardBatch3(gradZ: Float64Array, want0: boolean, want1: boolean, want2: boolean): void {
    if (this.batch <= SMALL_BATCH) {
      // a few states (a Fisher row, one step): state by state, no grouping
      const R = this.rank;
      const idx = this.idx;
      const U0 = this.factors[0].data;
      const U1 = this.factors[1].data;
      const U2 = this.factors[2].data;
      const G0 = this.factors[0].grad;
      const G1 = this.factors[1].grad;
      const G2 = this.factors[2].grad;
      for (let t = 0, o = 0; t < this.batch; t++, o += 3) {
        const g = gradZ[t];
        if (g === 0) continue;
        const b0 = idx[o] * R;
        const b1 = idx[o + 1] * R;
        const b2 = idx[o + 2] * R;
        for (let r = 0; r < R; r++) {
          if (want2) G2[b2 + r] += g * (U0[b0 + r] * U1[b1 + r]);
          const w2 = g * U2[b2 + r];
          if (want1) G1[b1 + r] += w2 * U0[b0 + r];
          if (want0) G0[b0 + r] += w2 * U1[b1 + r];
        }
      }
      return;
    }
    if (want2) this.accumulateRows(2, gradZ);
    if (want1) this.accumulateRows(1, gradZ);
    if (want0) this.accumulateRows(0, gradZ);
  }

  /**
   * The kept batch's states grouped by their index in mode d of a 3-mode grid: for k in
   * start[i] … start[i+1] − 1, rows[k] are the t with i_d(t) = i, ascending (a stable counting
   * sort), and offA[k], offB[k] the row offsets i_a(t)·R, i_b(t)·R of the other two modes (a < b);
   * built once per batch and mode.
   */
  private rowsBy(d: number): RowGroups {
    let g = this.groups[d];
    if (g !== null && g.count === this.batch) return g;
    const T = this.batch;
    const R = this.rank;
    const I = this.grid.buckets[d];
    const idx = this.idx;
    const a = d === 0 ? 1 : 0;
    const b = d === 2 ? 1 : 2;
    const fits = g !== null && g.rows.length >= T;
    const n = Math.max(T, 16);
    g = {
      rows: fits ? g!.rows : new Int32Array(n),
      offA: fits ? g!.offA : new Int32Array(n),
      offB: fits ? g!.offB : new Int32Array(n),
      offP: d === 2 && this.pairTable ? (fits ? g!.offP : new Int32Array(n)) : null,
      start: g !== null ? g.start : new Int32Array(I + 1),
      count: T,
    };
    const { rows, offA, offB, offP, start } = g;
    const I1 = this.grid.buckets[1];
    start.fill(0);
    for (let t = 0, o = d; t < T; t++, o += 3) start[idx[o] + 1]++;
    for (let i = 0; i < I; i++) start[i + 1] += start[i];
    const next = start.slice(0, I);
    for (let t = 0, o = 0; t < T; t++, o += 3) {
      const k = next[idx[o + d]]++;
      rows[k] = t;
      offA[k] = idx[o + a] * R;
      offB[k] = idx[o + b] * R;
      if (offP !== null) offP[k] = (idx[o] * I1 + idx[o + 1]) * R;
    }
    this.groups[d] = g;
    return g;
  }

  /**
   * {@link accumulateRows} for mode 2 with the products p_{01}[i_0, i_1, r] = U_0[i_0, r]·U_1[i_1, r]
   * tabulated once per call (the same products): ∇U_2[i_2(t), r] += g_t·p_{01}[i_0(t), i_1(t), r].
   */
  private accumulatePairs(g: Float64Array): void {
    const R = this.rank;
    const I0 = this.grid.buckets[0];
    const I1 = this.grid.buckets[1];
    const U0 = this.factors[0].data;
    const U1 = this.factors[1].data;
    const G = this.factors[2].grad;
    const P = this.pairTable!;
    for (let i0 = 0; i0 < I0; i0++)
      for (let i1 = 0; i1 < I1; i1++) {
        const o = (i0 * I1 + i1) * R;
        for (let r = 0; r < R; r++) P[o + r] = U0[i0 * R + r] * U1[i1 * R + r];
      }
    const { rows, offP, start } = this.rowsBy(2);
    const off = offP!;
    const I = this.grid.buckets[2];
    for (let i = 0; i < I; i++) {
      const k0 = start[i];
      const k1 = start[i + 1];
      if (k0 === k1) continue;
      const base = i * R;
      let r = 0;
      for (; r + 5 <= R; r += 5) {
        const e = base + r;
        let a0 = G[e];
        let a1 = G[e + 1];
        let a2 = G[e + 2];
        let a3 = G[e + 3];
        let a4 = G[e + 4];
        for (let k = k0; k < k1; k++) {
          const gt = g[rows[k]];
          if (gt === 0) continue;
          const p = off[k] + r;
          a0 += gt * P[p];
          a1 += gt * P[p + 1];
          a2 += gt * P[p + 2];
          a3 += gt * P[p + 3];
          a4 += gt * P[p + 4];
        }
        G[e] = a0;
        G[e + 1] = a1;
        G[e + 2] = a2;
        G[e + 3] = a3;
        G[e + 4] = a4;
      }
      for (; r < R; r++) {
        let acc = G[base + r];
        for (let k = k0; k < k1; k++) {
          const gt = g[rows[k]];
          if (gt === 0) continue;
          acc += gt * P[off[k] + r];
        }
        G[base + r] = acc;
      }
    }
  }

  /**
   * For mode d of a 3-mode grid (a < b the other two): ∇U_d[i_d(t), r] += x_{t,r} for every state
   * t with g_t ≠ 0, in t order per entry, where x = g·(U_a[i_a, r]·U_b[i_b, r]) (d = 2) or
   * (g·U_2[i_2, r])·U_e[i_e, r] (d < 2, e the mode left). Rows grouped by i_d (see {@link rowsBy});
   * five ranks at a time in registers (each entry's sum unchanged: one accumulator per entry).
   */
  private accumulateRows(d: number, g: Float64Array): void {
    if (d === 2 && this.pairTable) {
      this.accumulatePairs(g);
      return;
    }
    const R = this.rank;
    const G = this.factors[d].grad;
    const { rows, offA, offB, start } = this.rowsBy(d);
    const I = this.grid.buckets[d];
    // d = 2: x = g·(U_0·U_1); d = 1: (g·U_2)·U_0; d = 0: (g·U_2)·U_1 (offB holds i_2·R for d < 2)
    const inner = d === 2;
    const A = this.factors[inner ? 0 : 2].data;
    const B = this.factors[d === 0 ? 1 : d === 1 ? 0 : 1].data;
    const offX = inner ? offA : offB; // A's offsets
    const offY = inner ? offB : offA; // B's offsets
    for (let i = 0; i < I; i++) {
      const k0 = start[i];
      const k1 = start[i + 1];
      if (k0 === k1) continue;
      const base = i * R;
      let r = 0;
      for (; r + 5 <= R; r += 5) {
        const e = base + r;
        let a0 = G[e];
        let a1 = G[e + 1];
        let a2 = G[e + 2];
        let a3 = G[e + 3];
        let a4 = G[e + 4];
        if (inner)
          for (let k = k0; k < k1; k++) {
            const gt = g[rows[k]];
            if (gt === 0) continue;
            const pa = offX[k] + r;
            const pb = offY[k] + r;
            a0 += gt * (A[pa] * B[pb]);
            a1 += gt * (A[pa + 1] * B[pb + 1]);
            a2 += gt * (A[pa + 2] * B[pb + 2]);
            a3 += gt * (A[pa + 3] * B[pb + 3]);
            a4 += gt * (A[pa + 4] * B[pb + 4]);
          }
        else
          for (let k = k0; k < k1; k++) {
            const gt = g[rows[k]];
            if (gt === 0) continue;
            const pa = offX[k] + r;
            const pb = offY[k] + r;
            a0 += gt * A[pa] * B[pb];
            a1 += gt * A[pa + 1] * B[pb + 1];
            a2 += gt * A[pa + 2] * B[pb + 2];
            a3 += gt * A[pa + 3] * B[pb + 3];
            a4 += gt * A[pa + 4] * B[pb + 4];
          }
        G[e] = a0;
        G[e + 1] = a1;
        G[e + 2] = a2;
        G[e + 3] = a3;
        G[e + 4] = a4;
      }
      for (; r < R; r++) {
        let acc = G[base + r];
        for (let k = k0; k < k1; k++) {
          const gt = g[rows[k]];
          if (gt === 0) continue;
          const pa = offX[k] + r;
          const pb = offY[k] + r;
          acc += inner ? gt * (A[pa] * B[pb]) : gt * A[pa] * B[pb];
        }
        G[base + r] = acc;
      }
    }
  }

  private backwardBatchAll(gradZ: Float64Array): void {
    const S = this.S;
    const R = this.rank;
    const D = this.outputDim;
    const idx = this.idx;
    const pre = this.prefix;
    const w = this.w;
    for (let t = 0; t < this.batch; t++) {
      const o = t * S;
      // prefix[d] = Π_{e<d} U_e[i_e, ·] (prefix[0] = 1), prefix[S] = p.
      for (let r = 0; r < R; r++) pre[r] = 1;
      const last = this.hasOutputMode ? S : S - 1; // prefix[S] is read only by the output mode
      for (let d = 0; d < last; d++) {
        const U = this.factors[d].data;
        const b = idx[o + d] * R;
        for (let r = 0; r < R; r++) pre[(d + 1) * R + r] = pre[d * R + r] * U[b + r];
      }
      if (this.hasOutputMode) {
        const Uod = this.factors[S].data;
        const Uog = this.factors[S].grad;
        let any = false;
        for (let r = 0; r < R; r++) w[r] = 0;
        for (let a = 0; a < D; a++) {
          const g = gradZ[t * D + a];
          if (g === 0) continue;
          any = true;
          for (let r = 0; r < R; r++) {
            w[r] += g * Uod[a * R + r];
            Uog[a * R + r] += g * pre[S * R + r];
          }
        }
        if (!any) continue;
      } else {
        const g = gradZ[t];
        if (g === 0) continue;
        for (let r = 0; r < R; r++) w[r] = g;
      }
      // Sweep the modes backwards: w holds ∂J/∂(Π_{e≤d} U_e) = w_r Π_{e>d} U_e.
      for (let d = S - 1; d >= 0; d--) {
        const Ug = this.factors[d].grad;
        const Ud = this.factors[d].data;
        const b = idx[o + d] * R;
        const pd = d * R;
        for (let r = 0; r < R; r++) {
          Ug[b + r] += w[r] * pre[pd + r];
          w[r] *= Ud[b + r];
        }
      }
    }
  }

  /**
   * The rows ∂z_t/∂θ of the first T states (one output, no output mode; θ = the factors in order,
   * flattened) in sparse form: row t holds S·R entries at cols[t·S·R …] (ascending: factor 0's row
   * i_0, then factor 1's row i_1, …) with the values {@link backwardBatch} adds for g_t = 1 into
   * zeroed gradients, Π_{e≠d} U_e[i_e, r] in its multiplication order. Every other entry of the
   * row is exactly 0. Returns the entries per row (S·R); keeps the batch as {@link forwardBatch}
   * does (its outputs are not computed). Throws with an output mode.
   */
  /** The entries per row {@link sparseJacobianRows} writes: S·R. */
  sparseRowEntries(): number {
    return this.S * this.rank;
  }

  sparseJacobianRows(states: Float64Array, T: number, cols: Int32Array, vals: Float64Array): number {
    if (this.hasOutputMode)
      throw new RangeError("CpGrid.sparseJacobianRows: needs a grid without output mode");
    const S = this.S;
    const R = this.rank;
    const nnz = S * R;
    if (cols.length < T * nnz || vals.length < T * nnz)
      throw new RangeError(`CpGrid.sparseJacobianRows: cols and vals must hold >= ${T * nnz} entries`);
    this.keepIndices(states, T);
    const idx = this.idx;
    if (S === 3) {
      // the loop below for three modes, its products written out (1·x and x·1 are exact):
      // factor 2 ← 0 + U_0·U_1, factor 1 ← 0 + U_2·U_0, factor 0 ← 0 + U_2·U_1
      const [U0, U1, U2] = this.factors.map((p) => p.data);
      const o1 = U0.length;
      const o2 = o1 + U1.length;
      for (let t = 0, o = 0; t < T; t++, o += 3) {
        const row = t * nnz;
        const b0 = idx[o] * R;
        const b1 = idx[o + 1] * R;
        const b2 = idx[o + 2] * R;
        for (let r = 0; r < R; r++) {
          const u0 = U0[b0 + r];
          const u1 = U1[b1 + r];
          const u2 = U2[b2 + r];
          cols[row + r] = b0 + r;
          vals[row + r] = 0 + u2 * u1;
          cols[row + R + r] = o1 + b1 + r;
          vals[row + R + r] = 0 + u2 * u0;
          cols[row + 2 * R + r] = o2 + b2 + r;
          vals[row + 2 * R + r] = 0 + u0 * u1;
        }
      }
      return nnz;
    }
    const pre = this.prefix;
    const U = this.factors.map((p) => p.data);
    const offsets: number[] = [];
    let off = 0;
    for (const p of this.factors) {
      offsets.push(off);
      off += p.data.length;
    }
    for (let t = 0; t < T; t++) {
      const o = t * S;
      const row = t * nnz;
      for (let r = 0; r < R; r++) pre[r] = 1;
      for (let d = 0; d < S - 1; d++) {
        const Ud = U[d];
        const b = idx[o + d] * R;
        for (let r = 0; r < R; r++) pre[(d + 1) * R + r] = pre[d * R + r] * Ud[b + r];
      }
      for (let r = 0; r < R; r++) {
        let w = 1;
        for (let d = S - 1; d >= 0; d--) {
          const b = idx[o + d] * R;
          const k = row + d * R + r;
          cols[k] = offsets[d] + b + r;
          vals[k] = 0 + w * pre[d * R + r];
          w *= U[d][b + r];
        }
      }
    }
    return nnz;
  }

  stateDictEntries(): StateDictEntry[] {
    return this.factors.map((param) => ({ key: param.name, param, transpose: false }));
  }
}
