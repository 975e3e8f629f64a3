import { makeParameter, type Parameter } from "../optim/parameter.js";
import type { Rng } from "../random/rng.js";
import type { Parametrization, StateDictEntry } from "../parametrizations/parametrization.js";

export interface InterpolatedCpOptions {
  /** Lower end of each state dimension's grid (states below are clipped to it). */
  low: readonly number[];
  /** Upper end of each state dimension's grid (states above are clipped to it); high_d > low_d. */
  high: readonly number[];
  /** Grid points per dimension (integers ≥ 2, both ends included), or one count for all. */
  buckets: readonly number[] | number;
  /** R, the CP rank (integer ≥ 1). */
  rank: number;
  /** P outputs per state through an output mode U_out ∈ ℝ^{P×R} (softmax logits); omitted: one output, no output mode. */
  outputs?: number;
  /** State-dict prefix: keys `<name>.factors.<d>`. */
  name: string;
}

/**
 * A CP tensor on a state grid read between its grid points (docs/gym.md §2). Each factor
 * U_d ∈ ℝ^{b_d×R} is turned into a piecewise-linear function of the state's dimension d:
 *
 *   x̂ = (clip(s_d, low_d, high_d) − low_d)/(high_d − low_d)·(b_d − 1),  i = min(⌊x̂⌋, b_d − 2),  w = x̂ − i,
 *   u_d(s)[r] = (1 − w)·U_d[i, r] + w·U_d[i + 1, r],
 *   p_r(s) = Π_d u_d(s)[r],    z(s) = Σ_r p_r(s)   (or z_a(s) = Σ_r p_r(s)·U_out[a, r]).
 *
 * At the grid points it equals the CP tensor's entry; between them it is the multilinear
 * interpolation of the tensor's 2^S neighbouring entries (the interpolation weights factor per
 * dimension, so the rank does not grow). With S = 2 and no output mode it is a rank-R matrix
 * X = U_0 U_1ᵀ read by bilinear interpolation. Gradients, with g = ∂J/∂z and
 * c_r = g (or Σ_a g_a U_out[a, r]):
 *
 *   ∂J/∂U_d[i, r] += (1 − w)·c_r·Π_{e≠d} u_e[r],   ∂J/∂U_d[i + 1, r] += w·c_r·Π_{e≠d} u_e[r],
 *   ∂J/∂U_out[a, r] += g_a·p_r.
 *
 * R·(Σ_d b_d + P) parameters; a batch costs O(T·R·(S + P)).
 */
export class InterpolatedCp implements Parametrization {
  readonly inputDim: number;
  readonly outputDim: number;
  readonly rank: number;
  readonly low: Float64Array;
  readonly high: Float64Array;
  readonly buckets: Int32Array;
  /** U_0 … U_{S−1} (b_d×R, row-major), then U_out (P×R) when there is an output mode. */
  readonly factors: readonly Parameter[];
  readonly hasOutputMode: boolean;
  private readonly S: number;
  /** Per (t, d) of the last batch: the lower grid index and the weight of the upper one. */
  private idx = new Int32Array(0);
  private wt = new Float64Array(0);
  /** Per (t, d, r): u_d(s_t)[r]. */
  private u = new Float64Array(0);
  private batch = 0;
  private readonly p: Float64Array;
  private readonly c: Float64Array;

  constructor(options: InterpolatedCpOptions) {
    const who = "InterpolatedCp";
    const { low, high, rank, name } = options;
    const S = low?.length ?? 0;
    if (S < 1) throw new RangeError(`${who}: low must have at least 1 entry (one per state dimension)`);
    if (high?.length !== S) throw new RangeError(`${who}: high has ${high?.length} entries, expected ${S}`);
    if (!Number.isInteger(rank) || rank < 1)
      throw new RangeError(`${who}: rank must be an integer >= 1, got ${rank}`);
    const b =
      typeof options.buckets === "number" ? new Array<number>(S).fill(options.buckets) : options.buckets;
    if (b.length !== S) throw new RangeError(`${who}: buckets has ${b.length} entries, expected ${S}`);
    for (let d = 0; d < S; d++) {
      if (!(Number.isFinite(low[d]) && Number.isFinite(high[d]) && high[d] > low[d]))
        throw new RangeError(`${who}: dimension ${d} needs finite low < high, got [${low[d]}, ${high[d]}]`);
      if (!Number.isInteger(b[d]) || b[d] < 2 || b[d] > 100_000)
        throw new RangeError(`${who}: buckets[${d}] must be an integer in [2, 100000], got ${b[d]}`);
    }
    const P = options.outputs;
    if (P !== undefined && (!Number.isInteger(P) || P < 1))
      throw new RangeError(`${who}: outputs must be an integer >= 1, got ${P}`);
    this.S = S;
    this.inputDim = S;
    this.rank = rank;
    this.outputDim = P ?? 1;
    this.hasOutputMode = P !== undefined;
    this.low = Float64Array.from(low);
    this.high = Float64Array.from(high);
    this.buckets = Int32Array.from(b);
    const factors: Parameter[] = [];
    for (let d = 0; d < S; d++) factors.push(makeParameter(`${name}.factors.${d}`, [b[d], rank]));
    if (P !== undefined) factors.push(makeParameter(`${name}.factors.${S}`, [P, rank]));
    this.factors = factors;
    this.p = new Float64Array(rank);
    this.c = new Float64Array(rank);
  }

  get parameters(): readonly Parameter[] {
    return this.factors;
  }

  get parameterCount(): number {
    let n = 0;
    for (const f of this.factors) n += f.data.length;
    return n;
  }

  stateDictEntries(): StateDictEntry[] {
    return this.factors.map((param) => ({ key: param.name, param, transpose: false }));
  }

  /** Every factor entry ~ N(0, scale²) (factor order), from `rng`. */
  initNormal(rng: Rng, scale: number): void {
    for (const f of this.factors) for (let i = 0; i < f.data.length; i++) f.data[i] = scale * rng.normal();
  }

  /** Lower grid index and upper weight of x on dimension d. */
  private locate(x: number, d: number): [number, number] {
    const lo = this.low[d];
    const hi = this.high[d];
    const b = this.buckets[d];
    const c = x < lo ? lo : x > hi ? hi : x;
    if (Number.isNaN(c)) throw new RangeError(`InterpolatedCp: state dimension ${d} is NaN`);
    const pos = ((c - lo) / (hi - lo)) * (b - 1);
    let i = Math.floor(pos);
    if (i > b - 2) i = b - 2;
    return [i, pos - i];
  }

  /** Fills u (at offset t·S·R), idx and wt for state t; returns nothing. */
  private interpolate(states: ArrayLike<number>, so: number, t: number): void {
    const { S, rank: R } = this;
    for (let d = 0; d < S; d++) {
      const [i, w] = this.locate(states[so + d], d);
      this.idx[t * S + d] = i;
      this.wt[t * S + d] = w;
      const U = this.factors[d].data;
      const base = (t * S + d) * R;
      for (let r = 0; r < R; r++) this.u[base + r] = (1 - w) * U[i * R + r] + w * U[(i + 1) * R + r];
    }
  }

  private ensure(T: number): void {
    const { S, rank: R } = this;
    if (this.idx.length < T * S) {
      const n = Math.max(T, 2 * (this.idx.length / S));
      this.idx = new Int32Array(n * S);
      this.wt = new Float64Array(n * S);
      this.u = new Float64Array(n * S * R);
    }
  }

  private output(t: number, out: Float64Array, o: number): void {
    const { S, rank: R, p } = this;
    for (let r = 0; r < R; r++) {
      let prod = 1;
      for (let d = 0; d < S; d++) prod *= this.u[(t * S + d) * R + r];
      p[r] = prod;
    }
    if (!this.hasOutputMode) {
      let z = 0;
      for (let r = 0; r < R; r++) z += p[r];
      out[o] = z;
      return;
    }
    const Uo = this.factors[S].data;
    for (let a = 0; a < this.outputDim; a++) {
      let z = 0;
      for (let r = 0; r < R; r++) z += p[r] * Uo[a * R + r];
      out[o + a] = z;
    }
  }

  forwardOne(state: ArrayLike<number>, out: Float64Array, outOffset = 0): void {
    if (!state || state.length < this.S)
      throw new RangeError(`InterpolatedCp: state must have ${this.S} entries, got ${state?.length}`);
    // Slot 0 of the scratch is used; a kept batch is invalidated.
    this.ensure(1);
    this.batch = 0;
    this.interpolate(state, 0, 0);
    this.output(0, out, outOffset);
  }

  forwardBatch(states: Float64Array, T: number, out: Float64Array): void {
    this.ensure(T);
    const S = this.S;
    for (let t = 0; t < T; t++) {
      this.interpolate(states, t * S, t);
      this.output(t, out, t * this.outputDim);
    }
    this.batch = T;
  }

  backwardBatch(gradZ: Float64Array): void {
    const { S, rank: R, c, p } = this;
    const D = this.outputDim;
    for (let t = 0; t < this.batch; t++) {
      // p_r of state t (needed for the output mode) and the weights c_r.
      for (let r = 0; r < R; r++) {
        let prod = 1;
        for (let d = 0; d < S; d++) prod *= this.u[(t * S + d) * R + r];
        p[r] = prod;
      }
      if (this.hasOutputMode) {
        const Uo = this.factors[S].data;
        const G = this.factors[S].grad;
        c.fill(0);
        for (let a = 0; a < D; a++) {
          const g = gradZ[t * D + a];
          if (g === 0) continue;
          for (let r = 0; r < R; r++) {
            c[r] += g * Uo[a * R + r];
            G[a * R + r] += g * p[r];
          }
        }
      } else c.fill(gradZ[t]);
      for (let d = 0; d < S; d++) {
        const i = this.idx[t * S + d];
        const w = this.wt[t * S + d];
        const G = this.factors[d].grad;
        for (let r = 0; r < R; r++) {
          if (c[r] === 0) continue;
          let others = 1;
          for (let e = 0; e < S; e++) if (e !== d) others *= this.u[(t * S + e) * R + r];
          const g = c[r] * others;
          G[i * R + r] += (1 - w) * g;
          G[(i + 1) * R + r] += w * g;
        }
      }
    }
  }
}
