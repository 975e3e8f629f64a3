import { gemmNN, gemmNT, gemmTN } from "./gemm.js";

/**
 * Projection of one mode of a row-major tensor viewed as P × I × S (P = product of the leading modes,
 * including a batch mode; S = product of the trailing modes) onto the columns of U ∈ ℝ^{I×R}:
 *   Y[p, r, s] = Σ_i U[i, r] · X[p, i, s],   i.e. Y = X ×_mode Uᵀ.
 * This is the building block of a tensor-regression layer's input contraction. No allocation.
 */
export function projectModeInto(
  X: Float64Array,
  P: number,
  I: number,
  S: number,
  U: Float64Array,
  R: number,
  Y: Float64Array,
): void {
  if (S === 1) {
    // Trailing mode: one GEMM, Y (P×R) = X (P×I) · U (I×R).
    gemmNN(P, R, I, X, 0, I, U, 0, R, Y, 0, R);
    return;
  }
  if (S < SMALL_TRAILING) {
    // Many tiny products: direct loops beat per-block GEMM calls (no packing, no call overhead).
    for (let p = 0; p < P; p++) {
      const xo = p * I * S;
      const yo = p * R * S;
      Y.fill(0, yo, yo + R * S);
      for (let i = 0; i < I; i++) {
        const xi = xo + i * S;
        for (let r = 0; r < R; r++) {
          const u = U[i * R + r];
          const yr = yo + r * S;
          for (let s = 0; s < S; s++) Y[yr + s] += u * X[xi + s];
        }
      }
    }
    return;
  }
  for (let p = 0; p < P; p++) gemmTN(R, S, I, U, 0, R, X, p * I * S, S, Y, p * R * S, S);
}

/** Trailing sizes below this use direct loops instead of one GEMM per leading index. */
const SMALL_TRAILING = 8;

/**
 * Backward of {@link projectModeInto} given G = ∂J/∂Y (P×R×S):
 *   ∂J/∂U[i, r] += Σ_{p,s} X[p, i, s] · G[p, r, s],   ∂J/∂X[p, i, s] = Σ_r U[i, r] · G[p, r, s].
 * `gradX` may be null when the input gradient is not needed.
 */
export function projectModeBackward(
  X: Float64Array,
  P: number,
  I: number,
  S: number,
  U: Float64Array,
  R: number,
  G: Float64Array,
  gradU: Float64Array,
  gradX: Float64Array | null,
): void {
  if (S === 1) {
    gemmTN(I, R, P, X, 0, I, G, 0, R, gradU, 0, R, true);
    if (gradX) gemmNT(P, I, R, G, 0, R, U, 0, R, gradX, 0, I);
    return;
  }
  if (S < SMALL_TRAILING) {
    for (let p = 0; p < P; p++) {
      const xo = p * I * S;
      const go = p * R * S;
      for (let i = 0; i < I; i++) {
        const xi = xo + i * S;
        if (gradX) gradX.fill(0, xi, xi + S);
        for (let r = 0; r < R; r++) {
          const gr = go + r * S;
          const u = U[i * R + r];
          let acc = 0;
          if (gradX) {
            for (let s = 0; s < S; s++) {
              const g = G[gr + s];
              acc += X[xi + s] * g;
              gradX[xi + s] += u * g;
            }
          } else {
            for (let s = 0; s < S; s++) acc += X[xi + s] * G[gr + s];
          }
          gradU[i * R + r] += acc;
        }
      }
    }
    return;
  }
  for (let p = 0; p < P; p++) {
    gemmNT(I, R, S, X, p * I * S, S, G, p * R * S, S, gradU, 0, R, true);
    if (gradX) gemmNN(I, S, R, U, 0, R, G, p * R * S, S, gradX, p * I * S, S);
  }
}
