import { afterEach, describe, expect, it } from "vitest";
import fc from "fast-check";
import { gemmNN, gemmNT, gemmTN, setGemmBackend, type MatmulPrecision } from "../../src/factor/index.js";
import { wasmGemmF32Available, wasmGemmRows } from "../../src/factor/wasm-gemm-rows.js";
import { wasmGemmDot } from "../../src/factor/wasm-gemm-dot.js";
import { Rng } from "../../src/random/rng.js";

afterEach(() => {
  setGemmBackend("auto");
});

type Layout = "nn" | "nt" | "tn";

/** A product's operands stored with offsets and row strides; gaps are NaN so stray reads show. */
interface Case {
  layout: Layout;
  M: number;
  N: number;
  K: number;
  A: Float64Array;
  aOff: number;
  lda: number;
  B: Float64Array;
  bOff: number;
  ldb: number;
  C0: Float64Array;
  cOff: number;
  ldc: number;
  accumulate: boolean;
}

function makeCase(
  layout: Layout,
  M: number,
  N: number,
  K: number,
  pad: number,
  accumulate: boolean,
  seed: number,
): Case {
  const rng = new Rng(seed);
  // Stored shapes: A is M×K (nn, nt) or K×M (tn); B is K×N (nn, tn) or N×K (nt).
  const [aRows, aCols] = layout === "tn" ? [K, M] : [M, K];
  const [bRows, bCols] = layout === "nt" ? [N, K] : [K, N];
  const lda = aCols + pad;
  const ldb = bCols + 2 * pad;
  const ldc = N + pad;
  const aOff = pad + 1;
  const bOff = 2 * pad;
  const cOff = pad;
  const A = new Float64Array(aOff + aRows * lda).fill(NaN);
  const B = new Float64Array(bOff + bRows * ldb).fill(NaN);
  for (let r = 0; r < aRows; r++) for (let c = 0; c < aCols; c++) A[aOff + r * lda + c] = rng.normal();
  for (let r = 0; r < bRows; r++) for (let c = 0; c < bCols; c++) B[bOff + r * ldb + c] = rng.normal();
  const C0 = new Float64Array(cOff + M * ldc + pad);
  rng.fillNormal(C0);
  return { layout, M, N, K, A, aOff, lda, B, bOff, ldb, C0, cOff, ldc, accumulate };
}

const aAt = (c: Case, i: number, k: number): number =>
  c.layout === "tn" ? c.A[c.aOff + k * c.lda + i] : c.A[c.aOff + i * c.lda + k];
const bAt = (c: Case, k: number, j: number): number =>
  c.layout === "nt" ? c.B[c.bOff + j * c.ldb + k] : c.B[c.bOff + k * c.ldb + j];

function runPublic(c: Case, precision: MatmulPrecision): Float64Array {
  const C = Float64Array.from(c.C0);
  const f = c.layout === "nn" ? gemmNN : c.layout === "nt" ? gemmNT : gemmTN;
  f(c.M, c.N, c.K, c.A, c.aOff, c.lda, c.B, c.bOff, c.ldb, C, c.cOff, c.ldc, c.accumulate, precision);
  return C;
}

/**
 * Checks C against Σ_k fround(A)·fround(B) (exact products of the rounded operands, summed in f64):
 * |C − ref| ≤ 2·K·2⁻²⁴·Σ_k |A·B| (the f32 summation bound) + f64 slack; and entries outside the
 * M×N block unchanged.
 */
function expectF32Close(c: Case, C: Float64Array): void {
  const eps = 2 ** -24;
  const inBlock = new Uint8Array(C.length);
  for (let i = 0; i < c.M; i++)
    for (let j = 0; j < c.N; j++) {
      const at = c.cOff + i * c.ldc + j;
      inBlock[at] = 1;
      let s = 0;
      let mag = 0;
      for (let k = 0; k < c.K; k++) {
        const p = Math.fround(aAt(c, i, k)) * Math.fround(bAt(c, k, j));
        s += p;
        mag += Math.abs(p);
      }
      const base = c.accumulate ? c.C0[at] : 0;
      const tol = 2 * (c.K + 1) * eps * mag + 1e-12 * (1 + Math.abs(base));
      expect(Math.abs(C[at] - (base + s))).toBeLessThanOrEqual(tol);
    }
  for (let q = 0; q < C.length; q++) if (!inBlock[q]) expect(C[q]).toBe(c.C0[q]);
}

const shapes = fc.record({
  layout: fc.constantFrom<Layout>("nn", "nt", "tn"),
  M: fc.integer({ min: 1, max: 21 }),
  N: fc.integer({ min: 1, max: 21 }),
  K: fc.integer({ min: 1, max: 140 }),
  pad: fc.integer({ min: 0, max: 3 }),
  accumulate: fc.boolean(),
  seed: fc.integer(),
});

describe("single-precision GEMM", () => {
  it("compiles on this runtime", () => {
    expect(wasmGemmF32Available()).toBe(true);
  });

  it("public NN/NT/TN at 'f32' match f32-rounded operands within the f32 summation bound", () => {
    fc.assert(
      fc.property(shapes, ({ layout, M, N, K, pad, accumulate, seed }) => {
        const c = makeCase(layout, M, N, K, pad, accumulate, seed);
        expectF32Close(c, runPublic(c, "f32"));
      }),
      { numRuns: 150, seed: 5 },
    );
  });

  it("the kernels themselves (every M, N ≥ 1, tails, offsets, strides) stay within the bound", () => {
    fc.assert(
      fc.property(shapes, ({ layout, M, N, K, pad, accumulate, seed }) => {
        const c = makeCase(layout, M, N, K, pad, accumulate, seed);
        const C = Float64Array.from(c.C0);
        const [aI, aK] = layout === "tn" ? [1, c.lda] : [c.lda, 1];
        const [bK, bJ] = layout === "nt" ? [1, c.ldb] : [c.ldb, 1];
        const ok =
          layout === "nt"
            ? wasmGemmDot("f32", M, N, K, c.A, c.aOff, aI, c.B, c.bOff, bJ, C, c.cOff, c.ldc, accumulate)
            : wasmGemmRows(
                "f32",
                M,
                N,
                K,
                c.A,
                c.aOff,
                aI,
                aK,
                c.B,
                c.bOff,
                bK,
                C,
                c.cOff,
                c.ldc,
                accumulate,
              );
        expect(ok).toBe(true);
        expectF32Close(c, C);
      }),
      { numRuns: 150, seed: 6 },
    );
  });

  it("really computes in f32: NN and TN equal a sequential f32 sum, NT the 4-lane f32 sum, bit for bit", () => {
    for (const layout of ["nn", "tn", "nt"] as const) {
      const c = makeCase(layout, 7, 11, 37, 1, true, 9);
      const C = runPublic(c, "f32");
      for (let i = 0; i < c.M; i++)
        for (let j = 0; j < c.N; j++) {
          const lanes = [0, 0, 0, 0];
          let seq = 0;
          for (let k = 0; k < c.K; k++) {
            const p = Math.fround(Math.fround(aAt(c, i, k)) * Math.fround(bAt(c, k, j)));
            seq = Math.fround(seq + p);
            lanes[k % 4] = Math.fround(lanes[k % 4] + p);
          }
          const dot = Math.fround(Math.fround(Math.fround(lanes[0] + lanes[1]) + lanes[2]) + lanes[3]);
          const at = c.cOff + i * c.ldc + j;
          expect(C[at]).toBe(c.C0[at] + (layout === "nt" ? dot : seq));
        }
    }
  });

  it("K = 0 leaves C (accumulate) or zeroes it; M, N < 4 fall back correctly", () => {
    for (const layout of ["nn", "nt", "tn"] as const) {
      for (const accumulate of [false, true]) {
        const c = makeCase(layout, 5, 6, 0, 2, accumulate, 1);
        const C = runPublic(c, "f32");
        for (let i = 0; i < 5; i++)
          for (let j = 0; j < 6; j++) {
            const at = c.cOff + i * c.ldc + j;
            expect(C[at]).toBe(accumulate ? c.C0[at] : 0);
          }
        expect(wasmGemmRows("f32", 5, 6, 0, c.A, 0, 1, 1, c.B, 0, 1, C, 0, 6, false)).toBe(false);
      }
      for (const [M, N] of [
        [1, 40],
        [3, 3],
        [40, 2],
      ]) {
        const c = makeCase(layout, M, N, 64, 1, true, M + N);
        expectF32Close(c, runPublic(c, "f32"));
      }
    }
  });

  it("the f32 result of the Breakout hidden-layer product is within 1e-5 relative of f64", () => {
    const rng = new Rng(4);
    const [M, N, K] = [32, 128, 1024];
    const X = rng.fillNormal(new Float64Array(M * K));
    const W = rng.fillNormal(new Float64Array(N * K));
    const c64 = new Float64Array(M * N);
    const c32 = new Float64Array(M * N);
    gemmNT(M, N, K, X, 0, K, W, 0, K, c64, 0, N, false, "f64");
    gemmNT(M, N, K, X, 0, K, W, 0, K, c32, 0, N, false, "f32");
    let diff = 0;
    let norm = 0;
    for (let i = 0; i < c64.length; i++) {
      diff = Math.max(diff, Math.abs(c64[i] - c32[i]));
      norm = Math.max(norm, Math.abs(c64[i]));
    }
    expect(diff).toBeGreaterThan(0);
    expect(diff / norm).toBeLessThan(1e-5);
  });
});

describe("double-precision SIMD kernels", () => {
  it("f64 NN/NT/TN agree with the scalar kernel to reassociation (1e-12 relative)", () => {
    fc.assert(
      fc.property(shapes, ({ layout, M, N, K, pad, accumulate, seed }) => {
        const c = makeCase(layout, M, N, K, pad, accumulate, seed);
        const simd = runPublic(c, "f64");
        setGemmBackend("js");
        const scalar = runPublic(c, "f64");
        setGemmBackend("auto");
        for (let q = 0; q < simd.length; q++)
          expect(Math.abs(simd[q] - scalar[q])).toBeLessThanOrEqual(
            1e-12 * (1 + Math.abs(scalar[q])) * Math.sqrt(K),
          );
      }),
      { numRuns: 100, seed: 7 },
    );
  });

  it("the f64 row kernel (NN, TN) handles every M, N ≥ 1 with offsets and strides", () => {
    fc.assert(
      fc.property(shapes, ({ layout, M, N, K, pad, accumulate, seed }) => {
        const c = makeCase(layout === "nt" ? "nn" : layout, M, N, K, pad, accumulate, seed);
        const C = Float64Array.from(c.C0);
        const [aI, aK] = c.layout === "tn" ? [1, c.lda] : [c.lda, 1];
        expect(
          wasmGemmRows("f64", M, N, K, c.A, c.aOff, aI, aK, c.B, c.bOff, c.ldb, C, c.cOff, c.ldc, accumulate),
        ).toBe(true);
        for (let q = 0; q < C.length; q++) {
          const i = Math.floor((q - c.cOff) / c.ldc);
          const j = q - c.cOff - i * c.ldc;
          if (q < c.cOff || i >= M || j >= N) {
            expect(C[q]).toBe(c.C0[q]);
            continue;
          }
          let s = accumulate ? c.C0[q] : 0;
          for (let k = 0; k < K; k++) s += aAt(c, i, k) * bAt(c, k, j);
          expect(C[q]).toBeCloseTo(s, 10);
        }
      }),
      { numRuns: 80, seed: 10 },
    );
  });

  it("the f64 dot kernel handles every M, N ≥ 1 and odd K directly", () => {
    fc.assert(
      fc.property(shapes, ({ M, N, K, pad, accumulate, seed }) => {
        const c = makeCase("nt", M, N, K, pad, accumulate, seed);
        const C = Float64Array.from(c.C0);
        expect(
          wasmGemmDot("f64", M, N, K, c.A, c.aOff, c.lda, c.B, c.bOff, c.ldb, C, c.cOff, c.ldc, accumulate),
        ).toBe(true);
        for (let i = 0; i < M; i++)
          for (let j = 0; j < N; j++) {
            const at = c.cOff + i * c.ldc + j;
            let s = accumulate ? c.C0[at] : 0;
            for (let k = 0; k < K; k++) s += aAt(c, i, k) * bAt(c, k, j);
            expect(C[at]).toBeCloseTo(s, 10);
          }
      }),
      { numRuns: 80, seed: 8 },
    );
  });
});
