import { afterEach, describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  gemmNN,
  gemmNT,
  gemmStrided,
  gemmTN,
  setGemmBackend,
  wasmGemmAvailable,
} from "../../src/factor/index.js";
import { wasmGemm } from "../../src/factor/wasm-gemm.js";
import { Rng } from "../../src/random/rng.js";

afterEach(() => {
  setGemmBackend("auto");
});

/** Reference C = β·C + A′·B′ with explicit index functions. */
function reference(
  M: number,
  N: number,
  K: number,
  a: (i: number, k: number) => number,
  b: (k: number, j: number) => number,
  C: Float64Array,
  ldc: number,
  accumulate: boolean,
): Float64Array {
  const out = Float64Array.from(C);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let s = accumulate ? C[i * ldc + j] : 0;
      for (let k = 0; k < K; k++) s += a(i, k) * b(k, j);
      out[i * ldc + j] = s;
    }
  return out;
}

const dims = fc.record({
  M: fc.integer({ min: 1, max: 19 }),
  N: fc.integer({ min: 1, max: 19 }),
  K: fc.integer({ min: 1, max: 300 }),
  accumulate: fc.boolean(),
  seed: fc.integer(),
});

describe("GEMM kernels", () => {
  it("NN, NT and TN match the definition, in both the scalar and the SIMD kernel", () => {
    fc.assert(
      fc.property(
        dims,
        fc.constantFrom("auto", "js") as fc.Arbitrary<"auto" | "js">,
        ({ M, N, K, accumulate, seed }, backend) => {
          setGemmBackend(backend);
          const rng = new Rng(seed);
          const A = rng.fillNormal(new Float64Array(M * K));
          const B = rng.fillNormal(new Float64Array(K * N));
          const ldc = N + 2;
          const C0 = rng.fillNormal(new Float64Array(M * ldc));
          const close = (x: Float64Array, y: Float64Array): void => {
            for (let i = 0; i < x.length; i++) expect(x[i]).toBeCloseTo(y[i], 9);
          };
          // NN: A M×K, B K×N
          let C = Float64Array.from(C0);
          gemmNN(M, N, K, A, 0, K, B, 0, N, C, 0, ldc, accumulate);
          close(
            C,
            reference(
              M,
              N,
              K,
              (i, k) => A[i * K + k],
              (k, j) => B[k * N + j],
              C0,
              ldc,
              accumulate,
            ),
          );
          // NT: A M×K, B stored N×K
          C = Float64Array.from(C0);
          gemmNT(M, N, K, A, 0, K, B, 0, K, C, 0, ldc, accumulate);
          close(
            C,
            reference(
              M,
              N,
              K,
              (i, k) => A[i * K + k],
              (k, j) => B[j * K + k],
              C0,
              ldc,
              accumulate,
            ),
          );
          // TN: A stored K×M, B K×N
          C = Float64Array.from(C0);
          gemmTN(M, N, K, A, 0, M, B, 0, N, C, 0, ldc, accumulate);
          close(
            C,
            reference(
              M,
              N,
              K,
              (i, k) => A[k * M + i],
              (k, j) => B[k * N + j],
              C0,
              ldc,
              accumulate,
            ),
          );
        },
      ),
      { numRuns: 60, seed: 71 },
    );
  });

  it("the SIMD kernel compiles here and agrees with the scalar kernel on the Breakout hidden-layer product", () => {
    expect(wasmGemmAvailable()).toBe(true);
    const rng = new Rng(3);
    const [M, N, K] = [32, 128, 1024];
    const X = rng.fillNormal(new Float64Array(M * K));
    const W = rng.fillNormal(new Float64Array(N * K));
    const a = new Float64Array(M * N);
    const b = new Float64Array(M * N);
    expect(wasmGemm(M, N, K, X, 0, K, 1, W, 0, 1, K, a, 0, N, false)).toBe(true);
    setGemmBackend("js");
    gemmStrided(M, N, K, X, 0, K, 1, W, 0, 1, K, b, 0, N, false);
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i], 9);
    expect(() => setGemmBackend("gpu" as "js")).toThrow(/'auto' or 'js'/);
  });
});
