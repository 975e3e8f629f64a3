import { makeParameter, type Parameter } from "../optim/parameter.js";
import type { Rng } from "../random/rng.js";
import type { Discretizer } from "./discretizer.js";
import type { BatchedParametrization, StateDictEntry } from "./parametrization.js";

/**
 * P independent copies of the grid low-rank matrix ({@link GridLowRank}, one output per cell) in
 * one flat parameter (a population trained in lockstep). Copy p has rank K_p ≤ K = max_p K_p and
 * sits zero-padded to K columns:
 *
 *   z(p, s) = X^p_{i, j} = Σ_{k<K} L[(p·N + i)·K + k] · R[(p·M + j)·K + k],   (i, j) = cell(s),
 *
 * with data [L (P·N·K) | R (P·M·K)]. The padded columns start at zero and stay zero (their
 * gradients are ±0, so Adam leaves them at 0), and adding 0·r to the sum changes no bit, so copy p
 * computes exactly what a rank-K_p `GridLowRank` computes. Backward, as for one copy:
 * ∂z/∂L[p,i,:] = R[p,j,:], ∂z/∂R[p,j,:] = L[p,i,:], accumulated in batch order.
 *
 * Through the {@link BatchedParametrization} interface an input row is [p, s]. Hot loops that
 * already know a state's cell use the offsets directly: {@link rowOffset}, {@link colOffset},
 * {@link entryAt}, {@link accumulateAt}. State dict: `<name>.L` [P·N, K] and `<name>.R` [P·M, K]
 * (agent p's rows first at p·N, p·M); {@link agentStateDictEntries} gives agent p's tensors in
 * the single copy's keys and layouts.
 */
export class BatchedGridLowRank implements BatchedParametrization {
  readonly grid: Discretizer;
  readonly count: number;
  /** N and M of each copy's matrix. */
  readonly rows: number;
  readonly cols: number;
  /** K = max_p K_p, the padded rank. */
  readonly rank: number;
  readonly ranks: Int32Array;
  readonly inputDim: number;
  readonly outputDim = 1;
  /** [L | R] of all copies, data and gradient. */
  readonly parameter: Parameter;
  readonly L: Float64Array;
  readonly R: Float64Array;
  /** ∂/∂L and ∂/∂R (views into the parameter's gradient). */
  readonly gradL: Float64Array;
  readonly gradR: Float64Array;
  private readonly name: string;
  /** Offsets (rowOffset, colOffset) of the last batch, interleaved. */
  private kept = new Int32Array(0);
  private batch = 0;

  /**
   * `storage`: a parameter whose first P·(N + M)·K entries hold [L | R] (so a caller can put more
   * tensors after them and step all with one optimizer call); default a fresh one.
   */
  constructor(grid: Discretizer, ranks: ArrayLike<number>, name: string, storage?: Parameter) {
    const P = ranks.length;
    if (P < 1) throw new RangeError(`BatchedGridLowRank: ranks must list at least one copy, got 0`);
    this.ranks = Int32Array.from(ranks);
    let K = 1;
    this.ranks.forEach((k, p) => {
      if (!Number.isInteger(ranks[p]) || k < 1)
        throw new RangeError(`BatchedGridLowRank: ranks[${p}] must be an integer >= 1, got ${ranks[p]}`);
      if (k > K) K = k;
    });
    this.grid = grid;
    this.count = P;
    this.rows = grid.rows;
    this.cols = grid.cols;
    this.rank = K;
    this.inputDim = 1 + grid.stateDim;
    this.name = name;
    const nL = P * grid.rows * K;
    const n = nL + P * grid.cols * K;
    if (storage && storage.data.length < n)
      throw new RangeError(`BatchedGridLowRank: storage holds ${storage.data.length} entries, needs >= ${n}`);
    const s = storage ?? makeParameter(name, [n]);
    this.parameter =
      s.data.length === n
        ? s
        : { name, shape: [n], data: s.data.subarray(0, n), grad: s.grad.subarray(0, n) };
    this.L = s.data.subarray(0, nL);
    this.R = s.data.subarray(nL, n);
    this.gradL = s.grad.subarray(0, nL);
    this.gradR = s.grad.subarray(nL, n);
  }

  get parameters(): Parameter[] {
    return [this.parameter];
  }

  get parameterCount(): number {
    return this.parameter.data.length;
  }

  /**
   * Draws copy p's L (N×K_p row-major) then R (drawn K_p×M row-major, the reference's layout) from
   * N(0, 1), exactly as `fillReferenceOrder` fills a rank-K_p `GridLowRank` (its padding stays 0).
   */
  init(p: number, rng: Rng): void {
    this.checkAgent(p);
    const { rows: N, cols: M, rank: K } = this;
    const Kp = this.ranks[p];
    for (let i = 0; i < N; i++) for (let k = 0; k < Kp; k++) this.L[(p * N + i) * K + k] = rng.normal();
    for (let k = 0; k < Kp; k++) for (let j = 0; j < M; j++) this.R[(p * M + j) * K + k] = rng.normal();
  }

  /** Offset of row i of copy p in {@link L}. */
  rowOffset(p: number, i: number): number {
    return (p * this.rows + i) * this.rank;
  }

  /** Offset of row j of copy p in {@link R}. */
  colOffset(p: number, j: number): number {
    return (p * this.cols + j) * this.rank;
  }

  /** Σ_k L[io + k]·R[jo + k], k ascending (the single copy's sum). */
  entryAt(io: number, jo: number): number {
    const { L, R } = this;
    if (this.rank === 4)
      return 0 + L[io] * R[jo] + L[io + 1] * R[jo + 1] + L[io + 2] * R[jo + 2] + L[io + 3] * R[jo + 3];
    let s = 0;
    for (let k = 0; k < this.rank; k++) s += L[io + k] * R[jo + k];
    return s;
  }

  /** ∂/∂L[io + k] += g·R[jo + k] and ∂/∂R[jo + k] += g·L[io + k]. */
  accumulateAt(io: number, jo: number, g: number): void {
    const { L, R, gradL, gradR } = this;
    if (this.rank === 4) {
      gradL[io] += g * R[jo];
      gradL[io + 1] += g * R[jo + 1];
      gradL[io + 2] += g * R[jo + 2];
      gradL[io + 3] += g * R[jo + 3];
      gradR[jo] += g * L[io];
      gradR[jo + 1] += g * L[io + 1];
      gradR[jo + 2] += g * L[io + 2];
      gradR[jo + 3] += g * L[io + 3];
      return;
    }
    for (let k = 0; k < this.rank; k++) {
      gradL[io + k] += g * R[jo + k];
      gradR[jo + k] += g * L[io + k];
    }
  }

  forwardOne(input: ArrayLike<number>, out: Float64Array, outOffset = 0): void {
    this.grid.checkLength(input, 1);
    const f = this.grid.flatCell(input, 1);
    const i = (f / this.cols) | 0;
    const p = this.checkAgent(input[0]);
    out[outOffset] = this.entryAt(this.rowOffset(p, i), this.colOffset(p, f - i * this.cols));
  }

  forwardBatch(inputs: Float64Array, T: number, out: Float64Array): void {
    if (this.kept.length < 2 * T) this.kept = new Int32Array(Math.max(2 * T, 2 * this.kept.length));
    const W = this.inputDim;
    const M = this.cols;
    for (let t = 0; t < T; t++) {
      const p = this.checkAgent(inputs[t * W]);
      const f = this.grid.flatCell(inputs, t * W + 1);
      const i = (f / M) | 0;
      const io = this.rowOffset(p, i);
      const jo = this.colOffset(p, f - i * M);
      this.kept[2 * t] = io;
      this.kept[2 * t + 1] = jo;
      out[t] = this.entryAt(io, jo);
    }
    this.batch = T;
  }

  backwardBatch(gradZ: Float64Array): void {
    for (let t = 0; t < this.batch; t++) {
      const g = gradZ[t];
      if (g !== 0) this.accumulateAt(this.kept[2 * t], this.kept[2 * t + 1], g);
    }
  }

  stateDictEntries(): StateDictEntry[] {
    const K = this.rank;
    const view = (which: "L" | "R", n: number, data: Float64Array, grad: Float64Array): StateDictEntry => ({
      key: `${this.name}.${which}`,
      param: { name: `${this.name}.${which}`, shape: [n, K], data, grad },
      transpose: false,
    });
    return [
      view("L", this.count * this.rows, this.L, this.gradL),
      view("R", this.count * this.cols, this.R, this.gradR),
    ];
  }

  /** Copy p's factors unpadded, as a rank-K_p `GridLowRank` holds them: L N×K_p, R M×K_p (copies). */
  agentFactors(p: number): { L: Float64Array; R: Float64Array } {
    this.checkAgent(p);
    const Kp = this.ranks[p];
    const unpad = (src: Float64Array, n: number): Float64Array => {
      const out = new Float64Array(n * Kp);
      for (let i = 0; i < n; i++)
        for (let k = 0; k < Kp; k++) out[i * Kp + k] = src[(p * n + i) * this.rank + k];
      return out;
    };
    return { L: unpad(this.L, this.rows), R: unpad(this.R, this.cols) };
  }

  agentStateDictEntries(p: number): StateDictEntry[] {
    const { L, R } = this.agentFactors(p);
    const Kp = this.ranks[p];
    return [
      { key: `${this.name}.L`, param: makeParameter(`${this.name}.L`, [this.rows, Kp], L), transpose: false },
      { key: `${this.name}.R`, param: makeParameter(`${this.name}.R`, [this.cols, Kp], R), transpose: true },
    ];
  }

  private checkAgent(p: number): number {
    if (!Number.isInteger(p) || p < 0 || p >= this.count)
      throw new RangeError(
        `BatchedGridLowRank: agent index must be an integer in [0, ${this.count - 1}], got ${p}`,
      );
    return p;
  }
}
