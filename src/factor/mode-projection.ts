import { gemmNN, gemmNT, gemmTN, type MatmulPrecision } from "./gemm.js";

/**
 * Projection of one mode of a row-major tensor viewed as P × I × S (P = product of the leading modes,
 * including a batch mode; S = product of the trailing modes) onto the columns of U ∈ ℝ^{I×R}:
 *   Y[p, r, s] = Σ_i U[i, r] · X[p, i, s],   i.e. Y = X ×_mode Uᵀ.
 * This is the building block of a tensor-regression layer's input contraction. `precision` is passed
 * to the GEMMs (see {@link MatmulPrecision}). Allocation-free once the module's scratch has grown.
 *
 * For S ≥ 8 the P per-sample products Y_p = Uᵀ X_p are done as ONE product over the columns (p, s):
 * X is regrouped to X′ (I × P·S, X′[i, p·S + s] = X[p, i, s]) by row-segment copies, then
 * Y′ = Uᵀ X′ (R × P·S) and Y[p, r, s] = Y′[r, p·S + s] — a single large GEMM instead of P small ones.
 */
export function projectModeInto(
  X: Float64Array,
  P: number,
  I: number,
  S: number,
  U: Float64Array,
  R: number,
  Y: Float64Array,
  precision: MatmulPrecision = "f64",
): void {
  if (S === 1) {
    // Trailing mode: one GEMM, Y (P×R) = X (P×I) · U (I×R).
    gemmNN(P, R, I, X, 0, I, U, 0, R, Y, 0, R, false, precision);
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
  const cols = P * S;
  const xg = scratch(0, I * cols);
  const yg = scratch(1, R * cols);
  groupColumns(X, P, I, S, xg);
  gemmTN(R, cols, I, U, 0, R, xg, 0, cols, yg, 0, cols, false, precision);
  ungroupColumns(yg, P, R, S, Y);
}

/** Module-level scratch (kernels are synchronous, never re-entered), grown on demand. */
const scratchBuffers: Float64Array[] = [new Float64Array(0), new Float64Array(0), new Float64Array(0)];

function scratch(slot: number, length: number): Float64Array {
  if (scratchBuffers[slot].length < length) scratchBuffers[slot] = new Float64Array(length);
  return scratchBuffers[slot];
}

/** dst[i·P·S + p·S + s] = src[(p·I + i)·S + s]: P×I×S → I×(P·S). */
function groupColumns(src: Float64Array, P: number, I: number, S: number, dst: Float64Array): void {
  const cols = P * S;
  for (let p = 0; p < P; p++) {
    for (let i = 0; i < I; i++) {
      const so = (p * I + i) * S;
      const d = i * cols + p * S;
      for (let s = 0; s < S; s++) dst[d + s] = src[so + s];
    }
  }
}

/** dst[(p·I + i)·S + s] = src[i·P·S + p·S + s]: I×(P·S) → P×I×S. */
function ungroupColumns(src: Float64Array, P: number, I: number, S: number, dst: Float64Array): void {
  const cols = P * S;
  for (let p = 0; p < P; p++) {
    for (let i = 0; i < I; i++) {
      const d = (p * I + i) * S;
      const so = i * cols + p * S;
      for (let s = 0; s < S; s++) dst[d + s] = src[so + s];
    }
  }
}

/** Trailing sizes below this use direct loops instead of one GEMM per leading index. */
const SMALL_TRAILING = 8;

/**
 * Backward of {@link projectModeInto} given G = ∂J/∂Y (P×R×S):
 *   ∂J/∂U[i, r] += Σ_{p,s} X[p, i, s] · G[p, r, s],   ∂J/∂X[p, i, s] = Σ_r U[i, r] · G[p, r, s].
 * `gradX` may be null when the input gradient is not needed. For S ≥ 8, with X′, G′ regrouped as in
 * {@link projectModeInto}: ∂J/∂U += X′ G′ᵀ and ∂J/∂X′ = U G′, two single GEMMs.
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
  precision: MatmulPrecision = "f64",
): void {
  if (S === 1) {
    gemmTN(I, R, P, X, 0, I, G, 0, R, gradU, 0, R, true, precision);
    if (gradX) gemmNT(P, I, R, G, 0, R, U, 0, R, gradX, 0, I, false, precision);
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
  const cols = P * S;
  const xg = scratch(0, I * cols);
  const gg = scratch(1, R * cols);
  groupColumns(X, P, I, S, xg);
  groupColumns(G, P, R, S, gg);
  gemmNT(I, R, cols, xg, 0, cols, gg, 0, cols, gradU, 0, R, true, precision);
  if (gradX) {
    const gxg = scratch(2, I * cols);
    gemmNN(I, cols, R, U, 0, R, gg, 0, cols, gxg, 0, cols, false, precision);
    ungroupColumns(gxg, P, I, S, gradX);
  }
}
