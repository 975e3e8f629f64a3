import { truncatedSvd } from "../factor/svd.js";

/**
 * Thin SVD of a dense m×n matrix, W = U diag(σ) Vᵀ with U m×r, V n×r, r = min(m, n), σ descending.
 * Exact (src/factor's truncatedSvd: Golub–Kahan via ml-matrix, not a randomized sketch): the LASER
 * reference code's `torch.svd_lowrank` is randomized and inexact near full rank, which is one of the
 * reasons its full-rank "null control" moved the returns (docs/laser.md §1).
 */
export interface ThinSvd {
  readonly rows: number;
  readonly cols: number;
  /** m×r, row-major. */
  readonly U: Float64Array;
  /** n×r, row-major (column j of V is the j-th right singular vector). */
  readonly V: Float64Array;
  /** r = min(m, n) singular values, descending, ≥ 0. */
  readonly sigma: Float64Array;
}

export function thinSvd(w: Float64Array, rows: number, cols: number): ThinSvd {
  if (w.length !== rows * cols) {
    throw new RangeError(`thinSvd: ${w.length} entries, expected rows·cols = ${rows * cols}`);
  }
  const svd = truncatedSvd(w, rows, cols, Math.min(rows, cols));
  return { rows, cols, U: svd.U, V: svd.V, sigma: svd.s };
}

/** W_k = Σ_{i<k} σᵢ uᵢ vᵢᵀ, the best rank-k approximation in Frobenius and spectral norm (Eckart–Young–Mirsky). */
export function reconstructRank(svd: ThinSvd, k: number): Float64Array {
  const { rows, cols, U, V, sigma } = svd;
  const r = sigma.length;
  if (!Number.isInteger(k) || k < 0 || k > r)
    throw new RangeError(`rank must be an integer in [0, ${r}], got ${k}`);
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let c = 0; c < k; c++) {
      const us = U[i * r + c] * sigma[c];
      if (us === 0) continue;
      const o = i * cols;
      for (let j = 0; j < cols; j++) out[o + j] += us * V[j * r + c];
    }
  }
  return out;
}

/** Σ_{i<k} σᵢ² / Σᵢ σᵢ²: the share of ‖W‖_F² kept by W_k (1 for the zero matrix). */
export function energyKept(sigma: ArrayLike<number>, k: number): number {
  let kept = 0;
  let total = 0;
  for (let i = 0; i < sigma.length; i++) {
    const s2 = sigma[i] * sigma[i];
    total += s2;
    if (i < k) kept += s2;
  }
  return total === 0 ? 1 : kept / total;
}

/** Eckart–Young: ‖W − W_k‖_F² = Σ_{i≥k} σᵢ² (the discarded energy). */
export function discardedEnergy(sigma: ArrayLike<number>, k: number): number {
  let s = 0;
  for (let i = k; i < sigma.length; i++) s += sigma[i] * sigma[i];
  return s;
}

/** ‖a − b‖_F / ‖a‖_F (0 when both are zero, ∞ when only a is). */
export function relativeFrobeniusError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length)
    throw new RangeError(`relativeFrobeniusError: lengths ${a.length} and ${b.length} differ`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    num += d * d;
    den += a[i] * a[i];
  }
  if (den === 0) return num === 0 ? 0 : Infinity;
  return Math.sqrt(num / den);
}

/** Numerical rank: number of σᵢ > tol·σ₀ (tol default max(m,n)·ε, as numpy's matrix_rank). */
export function numericalRank(svd: ThinSvd, tol = Math.max(svd.rows, svd.cols) * Number.EPSILON): number {
  const s0 = svd.sigma[0] ?? 0;
  let r = 0;
  for (const s of svd.sigma) if (s > tol * s0) r++;
  return r;
}
