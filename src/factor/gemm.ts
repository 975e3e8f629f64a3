import { wasmGemm } from "./wasm-gemm.js";
import { wasmGemmDot } from "./wasm-gemm-dot.js";
import { wasmGemmRows } from "./wasm-gemm-rows.js";

/**
 * Dense matrix–matrix products on row-major Float64Array views, written for V8's JIT:
 * a 4×4 register-blocked micro-kernel (16 scalar accumulators, 8 loads per 16 multiply–adds),
 * K split into panels that stay in L1/L2, no allocation.
 *
 * All three public variants compute C ← β·C + A′·B′ with β ∈ {0, 1} (`accumulate`), where
 *   gemmNN: A′ = A (M×K),  B′ = B (K×N)
 *   gemmNT: A′ = A (M×K),  B′ = Bᵀ with B stored N×K
 *   gemmTN: A′ = Aᵀ with A stored K×M,  B′ = B (K×N)
 * Leading dimensions (`lda`, `ldb`, `ldc`) are row strides in elements; offsets select a sub-block.
 * Products of ≥ 2048 multiply–adds with M, N ≥ 4 go to WebAssembly SIMD kernels when the runtime
 * supports them: in f64, the dot-product kernel (wasm-gemm-dot.ts) when A′ and B′ are both contiguous
 * along k (NT), else the packed 4×4 kernel (wasm-gemm.ts); in f32, the row kernel (wasm-gemm-rows.ts)
 * for NN and TN and the dot kernel for NT.
 * `setGemmBackend('js')` forces the scalar f64 kernel (for every precision).
 */

/**
 * Arithmetic of a product: 'f64' (default) computes in double precision; 'f32' rounds the operands to
 * single precision and accumulates in single precision (PyTorch's float32 semantics), then widens the
 * result, trading ≈ 1e-7 relative accuracy for twice the SIMD lanes. A request, not a guarantee: the
 * product is computed in f64 when no single-precision kernel applies — WebAssembly SIMD unavailable,
 * backend 'js', K = 0, M < 4 or N < 4, fewer than 2048 multiply–adds, or neither A′ nor B′ having a
 * unit stride where the kernels need one (never for gemmNN/NT/TN).
 */
export type MatmulPrecision = "f64" | "f32";

/** Which kernel runs the products: 'auto' uses the WebAssembly SIMD kernel for large products. */
export type GemmBackend = "auto" | "js";

let backend: GemmBackend = "auto";

/** Multiply–adds below which packing for the SIMD kernel costs more than it saves. */
const WASM_MIN_WORK = 2048;

/** Selects the GEMM kernel ('js' forces the scalar one, e.g. to compare results). Returns the previous choice. */
export function setGemmBackend(choice: GemmBackend): GemmBackend {
  if (choice !== "auto" && choice !== "js")
    throw new RangeError(`gemm backend must be 'auto' or 'js', got ${String(choice)}`);
  const previous = backend;
  backend = choice;
  return previous;
}

/** Panel depth along K: 4 rows of A′ and 4 columns of B′ over this many k fit in L1. */
const K_PANEL = 256;

/** Scratch for one packed K_PANEL×4 panel of B (module-level: kernels are synchronous, never re-entered). */
const packedB = new Float64Array(K_PANEL * 4);

/**
 * Strided core: C(i,j) ← β·C(i,j) + Σ_k A(i,k)·B(k,j) with
 * A(i,k) = A[aOff + i·aI + k·aK], B(k,j) = B[bOff + k·bK + j·bJ], C(i,j) = C[cOff + i·ldc + j].
 */
export function gemmStrided(
  M: number,
  N: number,
  K: number,
  A: Float64Array,
  aOff: number,
  aI: number,
  aK: number,
  B: Float64Array,
  bOff: number,
  bK: number,
  bJ: number,
  C: Float64Array,
  cOff: number,
  ldc: number,
  accumulate: boolean,
  precision: MatmulPrecision = "f64",
): void {
  if (K > 0 && backend !== "js" && M * N * K >= WASM_MIN_WORK && M >= 4 && N >= 4) {
    // f32: the row kernel where B′ is contiguous along j and A′ along k or i, else the dot kernel
    // where both are contiguous along k; f64: the dot kernel for NT, else the packed kernel (also
    // the fallback, in f64, of an f32 request no single-precision kernel takes).
    const single = precision === "f32";
    if (single && bJ === 1 && (aK === 1 || aI === 1)) {
      if (wasmGemmRows("f32", M, N, K, A, aOff, aI, aK, B, bOff, bK, C, cOff, ldc, accumulate)) return;
    } else if (aK === 1 && bK === 1 && (single || bJ !== 1)) {
      if (wasmGemmDot(precision, M, N, K, A, aOff, aI, B, bOff, bJ, C, cOff, ldc, accumulate)) return;
    }
    if (wasmGemm(M, N, K, A, aOff, aI, aK, B, bOff, bK, bJ, C, cOff, ldc, accumulate)) return;
  }
  if (!accumulate) {
    for (let i = 0; i < M; i++) C.fill(0, cOff + i * ldc, cOff + i * ldc + N);
  }
  if (K === 0) return;
  if (M < 4 && (bK === 1 || bJ === 1)) {
    // A few rows (e.g. acting on one observation): matrix–vector products straight from B, no packing.
    for (let i = 0; i < M; i++) gemvRow(N, K, A, aOff + i * aI, aK, B, bOff, bK, bJ, C, cOff + i * ldc);
    return;
  }
  for (let k0 = 0; k0 < K; k0 += K_PANEL) {
    const kn = Math.min(K_PANEL, K - k0);
    panel(M, N, kn, A, aOff + k0 * aK, aI, aK, B, bOff + k0 * bK, bK, bJ, C, cOff, ldc);
  }
}

/** C[c + j] += Σ_k A[a + k·aK] · B[b + k·bK + j·bJ] for j < N, with unit stride along k or along j. */
function gemvRow(
  N: number,
  K: number,
  A: Float64Array,
  a: number,
  aK: number,
  B: Float64Array,
  b: number,
  bK: number,
  bJ: number,
  C: Float64Array,
  c: number,
): void {
  if (bK === 1) {
    // Dot products with contiguous rows of B (the NT layout: B stored N×K).
    for (let j = 0; j < N; j++) {
      const bj = b + j * bJ;
      let s0 = 0,
        s1 = 0,
        s2 = 0,
        s3 = 0;
      let k = 0;
      for (; k + 4 <= K; k += 4) {
        s0 += A[a + k * aK] * B[bj + k];
        s1 += A[a + (k + 1) * aK] * B[bj + k + 1];
        s2 += A[a + (k + 2) * aK] * B[bj + k + 2];
        s3 += A[a + (k + 3) * aK] * B[bj + k + 3];
      }
      for (; k < K; k++) s0 += A[a + k * aK] * B[bj + k];
      C[c + j] += s0 + s1 + s2 + s3;
    }
    return;
  }
  // Row-major B (bJ = 1): C += A[k]·B[k, :], contiguous in j.
  for (let k = 0; k < K; k++) {
    const v = A[a + k * aK];
    if (v === 0) continue;
    const bk = b + k * bK;
    for (let j = 0; j < N; j++) C[c + j] += v * B[bk + j];
  }
}

function panel(
  M: number,
  N: number,
  K: number,
  A: Float64Array,
  aOff: number,
  aI: number,
  aK: number,
  B: Float64Array,
  bOff: number,
  bK: number,
  bJ: number,
  C: Float64Array,
  cOff: number,
  ldc: number,
): void {
  const M4 = M - (M % 4);
  const N4 = N - (N % 4);
  const aI2 = 2 * aI;
  const aI3 = 3 * aI;
  const bJ2 = 2 * bJ;
  const bJ3 = 3 * bJ;
  const bp = packedB;
  for (let j = 0; j < N4; j += 4) {
    const bj = bOff + j * bJ;
    // Pack B(0..K, j..j+3) contiguously: strided columns (e.g. 8 KiB apart) would alias in L1.
    for (let k = 0, src = bj, dst = 0; k < K; k++, src += bK, dst += 4) {
      bp[dst] = B[src];
      bp[dst + 1] = B[src + bJ];
      bp[dst + 2] = B[src + bJ2];
      bp[dst + 3] = B[src + bJ3];
    }
    for (let i = 0; i < M4; i += 4) {
      let c00 = 0,
        c01 = 0,
        c02 = 0,
        c03 = 0;
      let c10 = 0,
        c11 = 0,
        c12 = 0,
        c13 = 0;
      let c20 = 0,
        c21 = 0,
        c22 = 0,
        c23 = 0;
      let c30 = 0,
        c31 = 0,
        c32 = 0,
        c33 = 0;
      let pa = aOff + i * aI;
      for (let pb = 0, end = 4 * K; pb < end; pb += 4) {
        // One b at a time keeps 16 accumulators + 5 live values close to the 16 XMM registers.
        const a0 = A[pa],
          a1 = A[pa + aI],
          a2 = A[pa + aI2],
          a3 = A[pa + aI3];
        let b = bp[pb];
        c00 += a0 * b;
        c10 += a1 * b;
        c20 += a2 * b;
        c30 += a3 * b;
        b = bp[pb + 1];
        c01 += a0 * b;
        c11 += a1 * b;
        c21 += a2 * b;
        c31 += a3 * b;
        b = bp[pb + 2];
        c02 += a0 * b;
        c12 += a1 * b;
        c22 += a2 * b;
        c32 += a3 * b;
        b = bp[pb + 3];
        c03 += a0 * b;
        c13 += a1 * b;
        c23 += a2 * b;
        c33 += a3 * b;
        pa += aK;
      }
      let pc = cOff + i * ldc + j;
      C[pc] += c00;
      C[pc + 1] += c01;
      C[pc + 2] += c02;
      C[pc + 3] += c03;
      pc += ldc;
      C[pc] += c10;
      C[pc + 1] += c11;
      C[pc + 2] += c12;
      C[pc + 3] += c13;
      pc += ldc;
      C[pc] += c20;
      C[pc + 1] += c21;
      C[pc + 2] += c22;
      C[pc + 3] += c23;
      pc += ldc;
      C[pc] += c30;
      C[pc + 1] += c31;
      C[pc + 2] += c32;
      C[pc + 3] += c33;
    }
    // Leftover rows (M mod 4) for these 4 columns.
    for (let i = M4; i < M; i++) {
      let c0 = 0,
        c1 = 0,
        c2 = 0,
        c3 = 0;
      let pa = aOff + i * aI;
      for (let pb = 0, end = 4 * K; pb < end; pb += 4) {
        const a = A[pa];
        c0 += a * bp[pb];
        c1 += a * bp[pb + 1];
        c2 += a * bp[pb + 2];
        c3 += a * bp[pb + 3];
        pa += aK;
      }
      const pc = cOff + i * ldc + j;
      C[pc] += c0;
      C[pc + 1] += c1;
      C[pc + 2] += c2;
      C[pc + 3] += c3;
    }
  }
  // Leftover columns (N mod 4), all rows.
  for (let j = N4; j < N; j++) {
    const bj = bOff + j * bJ;
    let i = 0;
    for (; i < M4; i += 4) {
      let c0 = 0,
        c1 = 0,
        c2 = 0,
        c3 = 0;
      let pa = aOff + i * aI;
      let pb = bj;
      for (let k = 0; k < K; k++) {
        const b = B[pb];
        c0 += A[pa] * b;
        c1 += A[pa + aI] * b;
        c2 += A[pa + aI2] * b;
        c3 += A[pa + aI3] * b;
        pa += aK;
        pb += bK;
      }
      const pc = cOff + i * ldc + j;
      C[pc] += c0;
      C[pc + ldc] += c1;
      C[pc + 2 * ldc] += c2;
      C[pc + 3 * ldc] += c3;
    }
    for (; i < M; i++) {
      let c = 0;
      let pa = aOff + i * aI;
      let pb = bj;
      for (let k = 0; k < K; k++) {
        c += A[pa] * B[pb];
        pa += aK;
        pb += bK;
      }
      C[cOff + i * ldc + j] += c;
    }
  }
}

/** C (M×N, row stride ldc) ← β·C + A·B with A M×K (row stride lda), B K×N (row stride ldb). */
export function gemmNN(
  M: number,
  N: number,
  K: number,
  A: Float64Array,
  aOff: number,
  lda: number,
  B: Float64Array,
  bOff: number,
  ldb: number,
  C: Float64Array,
  cOff: number,
  ldc: number,
  accumulate = false,
  precision: MatmulPrecision = "f64",
): void {
  gemmStrided(M, N, K, A, aOff, lda, 1, B, bOff, ldb, 1, C, cOff, ldc, accumulate, precision);
}

/** C (M×N) ← β·C + A·Bᵀ with A M×K (row stride lda), B N×K (row stride ldb). */
export function gemmNT(
  M: number,
  N: number,
  K: number,
  A: Float64Array,
  aOff: number,
  lda: number,
  B: Float64Array,
  bOff: number,
  ldb: number,
  C: Float64Array,
  cOff: number,
  ldc: number,
  accumulate = false,
  precision: MatmulPrecision = "f64",
): void {
  gemmStrided(M, N, K, A, aOff, lda, 1, B, bOff, 1, ldb, C, cOff, ldc, accumulate, precision);
}

/** C (M×N) ← β·C + Aᵀ·B with A K×M (row stride lda), B K×N (row stride ldb). */
export function gemmTN(
  M: number,
  N: number,
  K: number,
  A: Float64Array,
  aOff: number,
  lda: number,
  B: Float64Array,
  bOff: number,
  ldb: number,
  C: Float64Array,
  cOff: number,
  ldc: number,
  accumulate = false,
  precision: MatmulPrecision = "f64",
): void {
  gemmStrided(M, N, K, A, aOff, 1, lda, B, bOff, ldb, 1, C, cOff, ldc, accumulate, precision);
}
