import { CPTensor } from "../factor/cp-tensor.js";
import { makeParameter, type Parameter } from "../optim/parameter.js";
import type { Rng } from "../random/rng.js";
import type { AxisGrid } from "./discretizer.js";
import type { Parametrization, StateDictEntry } from "./parametrization.js";

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
    this.forwardIndices(this.indicesOf(state, this.one), 0, out, outOffset);
  }

  forwardBatch(states: Float64Array, T: number, out: Float64Array): void {
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
    let same = this.idxCount === n;
    const kept = this.idxStates;
    for (let i = 0; same && i < n; i++) if (!Object.is(kept[i], states[i])) same = false;
    if (!same) {
      this.idxCount = -1; // stays invalid if an index throws (a NaN state)
      for (let t = 0; t < T; t++) this.grid.indicesInto(states, idx, t * S, t * S);
      kept.set(states.subarray(0, n));
      this.idxCount = n;
    }
    const D = this.outputDim;
    for (let t = 0; t < T; t++) this.forwardIndices(idx, t * S, out, t * D);
    this.batch = T;
  }

  /** The grid indices of the last batch (T×S, a view valid until the next forwardBatch). */
  lastIndices(): Int32Array {
    return this.idx.subarray(0, this.batch * this.S);
  }

  backwardBatch(gradZ: Float64Array): void {
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

  stateDictEntries(): StateDictEntry[] {
    return this.factors.map((param) => ({ key: param.name, param, transpose: false }));
  }
}
