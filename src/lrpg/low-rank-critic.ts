import { LowRankMatrix } from "../factor/low-rank-matrix.js";
import { Adam } from "../optim/adam.js";
import type { Rng } from "../random/rng.js";
import type { Discretizer } from "./discretizer.js";

/**
 * The LRPG value baseline: V(s) = [L Rᵀ]_{p(s), q(s)} = ℓ_p · r_q on its own grid (the
 * reference's `GaussianPolicyLR.value`, an `LR(N_c, M_c, K)` on the critic discretizer), fitted
 * by one Adam step per episode on the Monte-Carlo MSE
 *
 *   J_c = (1/T) Σ_t (V_t − G_t)²,   ∂J_c/∂V_t = 2(V_t − G_t)/T,
 *   ∇ℓ_p = Σ_{t: p_t = p} ∂J_c/∂V_t · r_{q_t},   ∇r_q = Σ_{t: q_t = q} ∂J_c/∂V_t · ℓ_{p_t}.
 *
 * Parameters are named `value.L` (N_c×K) and `value.R` (M_c×K here; K×M_c in the reference).
 */
export class LowRankCritic {
  readonly grid: Discretizer;
  readonly matrix: LowRankMatrix;
  readonly optimizer: Adam;
  private cells = new Int32Array(0);

  constructor(grid: Discretizer, rank: number, lr: number, rng: Rng | null, initScale = 1) {
    this.grid = grid;
    this.matrix = new LowRankMatrix(grid.rows, grid.cols, rank, "value");
    if (rng) fillReferenceOrder(this.matrix, rng, initScale);
    this.optimizer = new Adam(this.matrix.parameters, { lr });
  }

  /** V(s) for one state. */
  value(state: ArrayLike<number>): number {
    this.grid.checkLength(state);
    return this.valueAtFlat(this.grid.flatCell(state));
  }

  /** V at flat cell f = p·M_c + q. */
  valueAtFlat(f: number): number {
    const M = this.grid.cols;
    const p = (f / M) | 0;
    return this.matrix.entry(p, f - p * M);
  }

  /** V(s_t) for the first T states of the flat T×S `states` into `out`; remembers the cells for {@link step}. */
  evaluate(states: Float64Array, T: number, out: Float64Array): void {
    if (this.cells.length < T) this.cells = new Int32Array(Math.max(T, 2 * this.cells.length));
    const S = this.grid.stateDim;
    const cells = this.cells;
    for (let t = 0; t < T; t++) {
      const f = this.grid.flatCell(states, t * S);
      cells[t] = f;
      out[t] = this.valueAtFlat(f);
    }
  }

  /**
   * One Adam step on J_c for the values `V` last computed by {@link evaluate} and returns `G`;
   * returns J_c.
   */
  step(V: Float64Array, G: Float64Array, T: number): number {
    const m = this.matrix;
    m.zeroGrad();
    const M = this.grid.cols;
    const cells = this.cells;
    const norm = 2 / T; // torch's mse_loss backward: (2/N)·(V − G)
    let loss = 0;
    for (let t = 0; t < T; t++) {
      const e = V[t] - G[t];
      loss += e * e;
      const f = cells[t];
      const p = (f / M) | 0;
      m.accumulateEntryGrad(p, f - p * M, norm * e);
    }
    this.optimizer.step();
    return loss / T;
  }
}

/**
 * Fills L (N×K, row-major) then R with N(0, scale²) draws in the reference's order: its R is
 * stored K×M and drawn row-major in that layout (here R is M×K, so the draw for the
 * reference's R[k, j] lands in our R[j, k]).
 */
export function fillReferenceOrder(m: LowRankMatrix, rng: Rng, scale = 1): void {
  const K = m.rank;
  const L = m.L.data;
  const R = m.R.data;
  for (let i = 0; i < L.length; i++) L[i] = scale * rng.normal();
  for (let k = 0; k < K; k++) for (let j = 0; j < m.cols; j++) R[j * K + k] = scale * rng.normal();
}
