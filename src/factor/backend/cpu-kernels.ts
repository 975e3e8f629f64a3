/**
 * The factor kernels as plain synchronous loops on typed arrays (float64 when given Float64Array).
 * Formulas and layouts: see {@link FactorBackend} in factor-backend.ts. The summation orders match
 * `LowRankMatrix.entry` / `accumulateEntryGrad` exactly and Adam is the optimizer's own loop, so results are bit-identical
 * to the single-matrix code.
 */
import { adamCoefficients, adamRange } from "../../optim/update-rules.js";
import type { AdamStepConfig, BatchedEntries, BatchedFactors, FloatArray } from "./factor-backend.js";

/** X_p = L_p R_pᵀ into `out` (P·n·m). */
export function reconstructInto(f: BatchedFactors, out: FloatArray): FloatArray {
  const { count: P, rows: n, cols: m, rank: K, L, R } = f;
  for (let p = 0; p < P; p++) {
    const lo = p * n * K;
    const ro = p * m * K;
    const xo = p * n * m;
    for (let i = 0; i < n; i++) {
      const io = lo + i * K;
      for (let j = 0; j < m; j++) {
        const jo = ro + j * K;
        let s = 0;
        for (let k = 0; k < K; k++) s += L[io + k] * R[jo + k];
        out[xo + i * m + j] = s;
      }
    }
  }
  return out;
}

/** L ← L − a·G R, R ← R − a·Gᵀ L_old, in place (G is P·n·m). */
export function applyDenseGradientInPlace(f: BatchedFactors, G: FloatArray, a: number): void {
  const { count: P, rows: n, cols: m, rank: K, L, R } = f;
  const newL = new Float64Array(n * K);
  for (let p = 0; p < P; p++) {
    const lo = p * n * K;
    const ro = p * m * K;
    const go = p * n * m;
    // (G R)[i,k] with the old R, into a scratch copy of the new L.
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < K; k++) {
        let s = 0;
        for (let j = 0; j < m; j++) s += G[go + i * m + j] * R[ro + j * K + k];
        newL[i * K + k] = L[lo + i * K + k] - a * s;
      }
    }
    // (Gᵀ L)[j,k] with the old L.
    for (let j = 0; j < m; j++) {
      for (let k = 0; k < K; k++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += G[go + i * m + j] * L[lo + i * K + k];
        R[ro + j * K + k] -= a * s;
      }
    }
    for (let q = 0; q < n * K; q++) L[lo + q] = newL[q];
  }
}

/** X_p[i_b, j_b] into `out` (P·B), zero beyond counts[p]. */
export function gatherEntriesInto(f: BatchedFactors, e: BatchedEntries, out: FloatArray): FloatArray {
  const { count: P, rows: n, cols: m, rank: K, L, R } = f;
  const B = e.capacity;
  for (let p = 0; p < P; p++) {
    const c = e.counts[p];
    for (let b = 0; b < B; b++) {
      if (b >= c) {
        out[p * B + b] = 0;
        continue;
      }
      const io = p * n * K + e.rowIdx[p * B + b] * K;
      const jo = p * m * K + e.colIdx[p * B + b] * K;
      let s = 0;
      for (let k = 0; k < K; k++) s += L[io + k] * R[jo + k];
      out[p * B + b] = s;
    }
  }
  return out;
}

/** ∇L_p, ∇R_p of Σ_b g_{p,b} X_p[i_b, j_b], written (not accumulated) into gradL (P·n·K), gradR (P·m·K). */
export function entryGradientsInto(
  f: BatchedFactors,
  e: BatchedEntries,
  g: FloatArray,
  gradL: FloatArray,
  gradR: FloatArray,
): void {
  const { count: P, rows: n, cols: m, rank: K, L, R } = f;
  const B = e.capacity;
  gradL.fill(0);
  gradR.fill(0);
  for (let p = 0; p < P; p++) {
    const c = e.counts[p];
    for (let b = 0; b < c; b++) {
      const gb = g[p * B + b];
      const io = p * n * K + e.rowIdx[p * B + b] * K;
      const jo = p * m * K + e.colIdx[p * B + b] * K;
      for (let k = 0; k < K; k++) {
        gradL[io + k] += gb * R[jo + k];
        gradR[jo + k] += gb * L[io + k];
      }
    }
  }
}

/**
 * One torch-exact Adam step in place over a flat block (entries with mask 0 untouched): the
 * optimizer's own coefficients and loop (src/optim/update-rules.ts), so `Adam.step` and this agree bit for bit.
 */
export function adamStepInPlace(
  param: FloatArray,
  grad: FloatArray,
  m: FloatArray,
  v: FloatArray,
  c: AdamStepConfig,
  mask?: FloatArray,
): void {
  adamRange(param, grad, m, v, 0, param.length, adamCoefficients(c, c.step), mask ?? null);
}
