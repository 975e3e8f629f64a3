import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  CPTensor,
  cpAls,
  cpParameterCount,
  hooi,
  hosvd,
  relativeError,
  Tensor,
  TuckerTensor,
  tuckerParameterCount,
} from "../../src/factor/index.js";
import { Rng } from "../../src/random/rng.js";

function randomTensor(shape: number[], seed: number): Tensor {
  const t = new Tensor(shape);
  new Rng(seed).fillNormal(t.data);
  return t;
}

describe("CP tensors", () => {
  it("reconstruct equals Σ_r λ_r a_r ∘ b_r ∘ c_r entrywise", () => {
    const rng = new Rng(1);
    const cp = CPTensor.random([3, 4, 2], 3, rng);
    cp.weights = Float64Array.from([2, -1, 0.5]);
    const x = cp.reconstruct();
    const [A, B, C] = cp.factors;
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 4; j++)
        for (let k = 0; k < 2; k++) {
          let s = 0;
          for (let r = 0; r < 3; r++) s += cp.weights[r] * A[i * 3 + r] * B[j * 3 + r] * C[k * 3 + r];
          expect(x.get(i, j, k)).toBeCloseTo(s, 12);
        }
    const normalized = new CPTensor(
      cp.shape,
      3,
      cp.factors.map((f) => Float64Array.from(f)),
      Float64Array.from(cp.weights),
    ).normalize();
    expect(relativeError(x, normalized.reconstruct())).toBeLessThan(1e-14);
    expect(relativeError(x, normalized.absorbWeights().reconstruct())).toBeLessThan(1e-14);
  });

  it("parameter count: rank-8 CP of a 3×3×64×64 conv kernel has 1 072 weights vs 36 864 dense", () => {
    expect(cpParameterCount([3, 3, 64, 64], 8)).toBe(1072);
    expect(cpParameterCount([3, 3, 64, 64], 8, true)).toBe(1080);
    expect(3 * 3 * 64 * 64).toBe(36_864);
    expect(CPTensor.random([3, 3, 64, 64], 8, new Rng(0)).parameterCount).toBe(1072);
  });

  it("CP-ALS recovers a constructed low-rank tensor to 1e-8 relative error", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 3, max: 7 }), { minLength: 3, maxLength: 4 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 2 }),
        (shape, rank, seed) => {
          const truth = CPTensor.random(shape, rank, new Rng(seed)).reconstruct();
          const res = cpAls(truth, rank, { rng: new Rng(seed + 1), maxIterations: 500, tolerance: 1e-14 });
          expect(res.relativeError).toBeLessThan(1e-8);
          expect(res.cp.parameterCount).toBe(rank * shape.reduce((a, b) => a + b, 0));
        },
      ),
      { numRuns: 15, seed: 41 },
    );
  });

  it("CP-ALS error never rises between sweeps, nor with rank on a sweep over ranks", () => {
    const x = randomTensor([5, 6, 4], 3);
    let previous = Infinity;
    for (const rank of [1, 2, 4, 8, 16, 30]) {
      const res = cpAls(x, rank, { rng: new Rng(7), maxIterations: 300 });
      for (let i = 1; i < res.errors.length; i++)
        expect(res.errors[i]).toBeLessThanOrEqual(res.errors[i - 1] + 1e-12);
      expect(res.relativeError).toBeLessThanOrEqual(previous + 1e-9);
      previous = res.relativeError;
    }
    // Rank ≥ the product of the two smallest modes (4·5 = 20) is always enough: full-rank CP reproduces X.
    expect(previous).toBeLessThan(1e-8);
  });

  it("gradients match finite differences of J = Σ G ⊙ X(factors)", () => {
    const rng = new Rng(9);
    const cp = CPTensor.random([3, 2, 4], 2, rng);
    cp.weights = Float64Array.from([1.5, -0.5]);
    const G = randomTensor([3, 2, 4], 10);
    const J = (): number => cp.reconstruct().data.reduce((s, v, i) => s + v * G.data[i], 0);
    const grads = cp.gradients(G);
    const eps = 1e-6;
    const params = [...cp.factors, cp.weights];
    const analytic = [...grads.factors, grads.weights!];
    params.forEach((p, q) => {
      for (let i = 0; i < p.length; i++) {
        const v = p[i];
        p[i] = v + eps;
        const up = J();
        p[i] = v - eps;
        const down = J();
        p[i] = v;
        expect(analytic[q][i]).toBeCloseTo((up - down) / (2 * eps), 6);
      }
    });
  });
});

describe("Tucker tensors", () => {
  it("full-rank HOSVD reproduces the dense tensor; parameter count Π R + Σ I R", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 2, maxLength: 4 }),
        fc.integer(),
        (shape, seed) => {
          const x = randomTensor(shape, seed);
          const res = hosvd(x, shape);
          expect(res.relativeError).toBeLessThan(1e-12);
          expect(res.tucker.parameterCount).toBe(tuckerParameterCount(shape, shape));
        },
      ),
      { numRuns: 30, seed: 51 },
    );
    expect(tuckerParameterCount([16, 8, 8, 128], [7, 4, 4, 58])).toBe(14_096);
    expect(tuckerParameterCount([64, 8, 8, 512], [29, 4, 4, 232])).toBe(228_352);
  });

  it("HOSVD and HOOI recover a constructed multilinear-rank tensor to 1e-8", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 2, max: 6 }), { minLength: 3, maxLength: 4 }),
        fc.integer(),
        (shape, seed) => {
          const ranks = shape.map((d, n) => 1 + (((seed >>> n) & 0xff) % d));
          const truth = TuckerTensor.random(shape, ranks, new Rng(seed)).reconstruct();
          expect(hosvd(truth, ranks).relativeError).toBeLessThan(1e-8);
          expect(hooi(truth, ranks).relativeError).toBeLessThan(1e-8);
        },
      ),
      { numRuns: 20, seed: 52 },
    );
  });

  it("HOOI is at least as good as HOSVD and its error never rises with rank", () => {
    const x = randomTensor([6, 5, 4], 2);
    let previous = Infinity;
    for (const r of [1, 2, 3, 4]) {
      const ranks = [Math.min(r, 6), Math.min(r, 5), Math.min(r, 4)];
      const a = hosvd(x, ranks).relativeError;
      const b = hooi(x, ranks).relativeError;
      expect(b).toBeLessThanOrEqual(a + 1e-12);
      expect(b).toBeLessThanOrEqual(previous + 1e-12);
      previous = b;
    }
    expect(hooi(x, [6, 5, 4]).relativeError).toBeLessThan(1e-12);
  });

  it("gradients match finite differences", () => {
    const t = TuckerTensor.random([3, 4, 2], [2, 3, 2], new Rng(3));
    const G = randomTensor([3, 4, 2], 4);
    const J = (): number => t.reconstruct().data.reduce((s, v, i) => s + v * G.data[i], 0);
    const grads = t.gradients(G);
    const params = [t.core.data, ...t.factors];
    const analytic = [grads.core.data, ...grads.factors];
    const eps = 1e-6;
    params.forEach((p, q) => {
      for (let i = 0; i < p.length; i++) {
        const v = p[i];
        p[i] = v + eps;
        const up = J();
        p[i] = v - eps;
        const down = J();
        p[i] = v;
        expect(analytic[q][i]).toBeCloseTo((up - down) / (2 * eps), 6);
      }
    });
  });

  it("rejects ranks above a mode's size", () => {
    expect(() => hosvd(new Tensor([2, 3]), [3, 1])).toThrow(
      /ranks\[0\] must be an integer in \[1, 2\], got 3/,
    );
  });
});
