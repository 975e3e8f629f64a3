import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { singularValues, svdReconstruct, truncatedSvd } from "../../src/factor/index.js";
import { Rng } from "../../src/random/rng.js";

const dims = fc.record({
  rows: fc.integer({ min: 1, max: 9 }),
  cols: fc.integer({ min: 1, max: 9 }),
  seed: fc.integer(),
});

describe("truncatedSvd", () => {
  it("satisfies Eckart–Young: ‖X − X_k‖_F² = Σ_{i>k} σᵢ² for every k", () => {
    fc.assert(
      fc.property(dims, ({ rows, cols, seed }) => {
        const x = new Rng(seed).fillNormal(new Float64Array(rows * cols));
        const maxRank = Math.min(rows, cols);
        for (let k = 1; k <= maxRank; k++) {
          const svd = truncatedSvd(x, rows, cols, k);
          const xk = svdReconstruct(svd);
          let err = 0;
          for (let i = 0; i < x.length; i++) err += (x[i] - xk[i]) ** 2;
          let tail = 0;
          for (let i = k; i < maxRank; i++) tail += svd.allSingularValues[i] ** 2;
          expect(err).toBeCloseTo(tail, 9);
          for (let r = 1; r < k; r++) expect(svd.s[r]).toBeLessThanOrEqual(svd.s[r - 1]);
        }
      }),
      { numRuns: 40, seed: 31 },
    );
  });

  it("recovers a constructed rank-k matrix exactly, with orthonormal U and V", () => {
    const rng = new Rng(4);
    const [rows, cols, k] = [12, 9, 3];
    const L = rng.fillNormal(new Float64Array(rows * k));
    const R = rng.fillNormal(new Float64Array(cols * k));
    const x = new Float64Array(rows * cols);
    for (let i = 0; i < rows; i++)
      for (let j = 0; j < cols; j++)
        for (let r = 0; r < k; r++) x[i * cols + j] += L[i * k + r] * R[j * k + r];
    const svd = truncatedSvd(x, rows, cols, k);
    const xk = svdReconstruct(svd);
    for (let i = 0; i < x.length; i++) expect(xk[i]).toBeCloseTo(x[i], 10);
    expect(singularValues(x, rows, cols)[k]).toBeLessThan(1e-10);
    for (let a = 0; a < k; a++)
      for (let b = 0; b < k; b++) {
        let u = 0;
        let v = 0;
        for (let i = 0; i < rows; i++) u += svd.U[i * k + a] * svd.U[i * k + b];
        for (let j = 0; j < cols; j++) v += svd.V[j * k + a] * svd.V[j * k + b];
        expect(u).toBeCloseTo(a === b ? 1 : 0, 10);
        expect(v).toBeCloseTo(a === b ? 1 : 0, 10);
      }
  });

  it("rejects a rank outside [1, min(rows, cols)]", () => {
    expect(() => truncatedSvd(new Float64Array(6), 2, 3, 3)).toThrow(
      /rank k must be an integer in \[1, min\(rows, cols\) = 2\], got 3/,
    );
    expect(() => truncatedSvd(new Float64Array(5), 2, 3, 1)).toThrow(/expected rows·cols/);
  });
});
