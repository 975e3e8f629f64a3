import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Rng } from "../../src/random/rng.js";
import {
  discardedEnergy,
  energyKept,
  numericalRank,
  reconstructRank,
  relativeFrobeniusError,
  thinSvd,
} from "../../src/laser/truncated-svd.js";

function randomDense(rng: Rng, rows: number, cols: number): Float64Array {
  return rng.fillNormal(new Float64Array(rows * cols));
}

/** A·B with A rows×r and B r×cols: a matrix of rank r (almost surely). */
function lowRank(rng: Rng, rows: number, cols: number, r: number): Float64Array {
  const A = randomDense(rng, rows, r);
  const B = randomDense(rng, r, cols);
  const W = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++)
    for (let k = 0; k < r; k++)
      for (let j = 0; j < cols; j++) W[i * cols + j] += A[i * r + k] * B[k * cols + j];
  return W;
}

function frob2(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return s;
}

describe("thinSvd / reconstructRank", () => {
  it.each([
    [9, 6, 3],
    [5, 12, 2],
    [7, 7, 4],
  ])("recovers a constructed rank-r %i×%i matrix (r = %i) exactly at k = r", (rows, cols, r) => {
    const W = lowRank(new Rng(rows * 31 + cols), rows, cols, r);
    const svd = thinSvd(W, rows, cols);
    expect(svd.sigma.length).toBe(Math.min(rows, cols));
    expect(numericalRank(svd)).toBe(r);
    expect(relativeFrobeniusError(W, reconstructRank(svd, r))).toBeLessThan(1e-13);
    expect(energyKept(svd.sigma, r)).toBeCloseTo(1, 14);
    // One rank less is a real truncation.
    expect(relativeFrobeniusError(W, reconstructRank(svd, r - 1))).toBeGreaterThan(1e-3);
  });

  it("has orthonormal singular vectors and descending non-negative σ, tall and wide", () => {
    for (const [rows, cols] of [
      [8, 5],
      [4, 11],
    ]) {
      const svd = thinSvd(randomDense(new Rng(rows), rows, cols), rows, cols);
      const r = Math.min(rows, cols);
      for (let a = 0; a < r; a++) {
        if (a > 0) expect(svd.sigma[a]).toBeLessThanOrEqual(svd.sigma[a - 1]);
        expect(svd.sigma[a]).toBeGreaterThanOrEqual(0);
        for (let b = 0; b < r; b++) {
          let uu = 0;
          let vv = 0;
          for (let i = 0; i < rows; i++) uu += svd.U[i * r + a] * svd.U[i * r + b];
          for (let j = 0; j < cols; j++) vv += svd.V[j * r + a] * svd.V[j * r + b];
          expect(uu).toBeCloseTo(a === b ? 1 : 0, 12);
          expect(vv).toBeCloseTo(a === b ? 1 : 0, 12);
        }
      }
    }
  });

  it("matches Eckart–Young: ‖W − W_k‖_F² = Σ discarded σᵢ² for every k (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 0, max: 1e6 }),
        (rows, cols, seed) => {
          const W = randomDense(new Rng(seed), rows, cols);
          const svd = thinSvd(W, rows, cols);
          let total = 0;
          for (const x of W) total += x * x;
          for (let k = 0; k <= svd.sigma.length; k++) {
            const err2 = frob2(W, reconstructRank(svd, k));
            expect(Math.abs(err2 - discardedEnergy(svd.sigma, k))).toBeLessThanOrEqual(1e-10 * total);
            expect(energyKept(svd.sigma, k)).toBeCloseTo(1 - discardedEnergy(svd.sigma, k) / total, 10);
          }
        },
      ),
      { seed: 20261123, numRuns: 40 },
    );
  });

  it("is no worse than a random rank-k competitor (Eckart–Young optimality)", () => {
    const rng = new Rng(5);
    const W = randomDense(rng, 10, 7);
    const svd = thinSvd(W, 10, 7);
    for (let k = 1; k < 7; k++) {
      const best = frob2(W, reconstructRank(svd, k));
      for (let t = 0; t < 5; t++) {
        // Project W onto a random k-dim column space: rank ≤ k.
        const Q = lowRank(rng, 10, 10, k);
        const qsvd = thinSvd(Q, 10, 10);
        const P = new Float64Array(70);
        for (let i = 0; i < 10; i++)
          for (let j = 0; j < 7; j++)
            for (let c = 0; c < k; c++)
              for (let l = 0; l < 10; l++)
                P[i * 7 + j] += qsvd.U[i * 10 + c] * qsvd.U[l * 10 + c] * W[l * 7 + j];
        expect(frob2(W, P)).toBeGreaterThanOrEqual(best - 1e-12);
      }
    }
  });

  it("rejects bad ranks and sizes", () => {
    const svd = thinSvd(new Float64Array(6).fill(1), 2, 3);
    expect(() => reconstructRank(svd, 3)).toThrow(/rank must be an integer in \[0, 2\], got 3/);
    expect(() => thinSvd(new Float64Array(5), 2, 3)).toThrow(/expected rows·cols = 6/);
    expect(energyKept([0, 0], 1)).toBe(1);
  });
});
