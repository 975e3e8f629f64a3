import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { InterpolatedCp } from "../../src/presets/gym-interp.js";
import { TanhMlp } from "../../src/presets/gym-mlp.js";
import { Rng } from "../../src/random/rng.js";
import { oneMatchesBatch, parametrizationGradError } from "../parametrizations/grad-check.js";

describe("InterpolatedCp: a CP tensor read between its grid points", () => {
  it("gradients match central differences for any order, rank and output mode (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 0, max: 1e6 }),
        (S, rank, outputs, T, seed) => {
          const rng = new Rng(seed);
          const buckets = Array.from({ length: S }, () => 2 + Math.floor(4 * rng.uniform()));
          const f = new InterpolatedCp({
            low: new Array(S).fill(-1),
            high: new Array(S).fill(1),
            buckets,
            rank,
            outputs,
            name: "f",
          });
          f.initNormal(rng, 0.8);
          // Some states outside [−1, 1] (clipped to the grid's ends).
          const states = Float64Array.from({ length: T * S }, () => rng.uniformRange(-1.3, 1.3));
          expect(f.parameterCount).toBe(rank * (buckets.reduce((a, b) => a + b, 0) + (outputs ?? 0)));
          expect(oneMatchesBatch(f, states, T)).toBe(true);
          expect(parametrizationGradError(f, states, T, seed + 1)).toBeLessThan(1e-7);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("equals the factor product at grid points and interpolates bilinearly between them", () => {
    const f = new InterpolatedCp({ low: [0, 0], high: [2, 1], buckets: [3, 2], rank: 2, name: "x" });
    f.initNormal(new Rng(4), 1);
    const [U, V] = f.factors.map((p) => p.data);
    const X = (i: number, j: number) => U[i * 2] * V[j * 2] + U[i * 2 + 1] * V[j * 2 + 1];
    const z = new Float64Array(1);
    f.forwardOne([1, 1], z);
    expect(z[0]).toBeCloseTo(X(1, 1), 12);
    // (0.5, 0.25): weights ½ on rows 0, 1 and ¾, ¼ on columns 0, 1.
    f.forwardOne([0.5, 0.25], z);
    const want = 0.5 * 0.75 * X(0, 0) + 0.5 * 0.25 * X(0, 1) + 0.5 * 0.75 * X(1, 0) + 0.5 * 0.25 * X(1, 1);
    expect(z[0]).toBeCloseTo(want, 12);
    // Clipped above the box: the last grid point.
    f.forwardOne([5, 9], z);
    expect(z[0]).toBeCloseTo(X(2, 1), 12);
  });

  it("rejects a grid with fewer than 2 points, naming the field", () => {
    expect(() => new InterpolatedCp({ low: [0], high: [1], buckets: 1, rank: 1, name: "x" })).toThrow(
      /buckets\[0\] must be an integer in \[2, 100000\]/,
    );
  });
});

describe("TanhMlp: the 64×64 baseline network", () => {
  it("gradients match central differences (several depths and output counts)", () => {
    for (const [hidden, D, seed] of [
      [[5], 1, 1],
      [[4, 3], 2, 2],
      [[3, 4, 2], 3, 3],
    ] as const) {
      const rng = new Rng(seed);
      const f = new TanhMlp(3, hidden, D, "net");
      f.initTorchDefault(rng);
      const T = 6;
      const states = Float64Array.from({ length: T * 3 }, () => rng.uniformRange(-2, 2));
      // One state at a time agrees with the batch up to the GEMM's summation order.
      const batch = new Float64Array(T * D);
      f.forwardBatch(states, T, batch);
      const one = new Float64Array(D);
      for (let t = 0; t < T; t++) {
        f.forwardOne(states.subarray(3 * t, 3 * t + 3), one);
        for (let a = 0; a < D; a++) expect(one[a]).toBeCloseTo(batch[t * D + a], 12);
      }
      expect(parametrizationGradError(f, states, T, seed + 10)).toBeLessThan(1e-7);
    }
  });

  it("counts 64×64 parameters as the zoo's networks and zeroes the output bias when scaled", () => {
    const f = new TanhMlp(3, [64, 64], 1, "pi");
    expect(f.parameterCount).toBe(3 * 64 + 64 + 64 * 64 + 64 + 64 + 1);
    f.initTorchDefault(new Rng(0), 0.01);
    expect(Array.from(f.biases[2].data)).toEqual([0]);
    expect(f.parameters.map((p) => p.name)).toEqual([
      "pi.0.weight",
      "pi.0.bias",
      "pi.2.weight",
      "pi.2.bias",
      "pi.4.weight",
      "pi.4.bias",
    ]);
  });
});
