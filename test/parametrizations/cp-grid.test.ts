import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CpGrid } from "../../src/parametrizations/cp-grid.js";
import { AxisGrid, Discretizer } from "../../src/parametrizations/discretizer.js";
import { GridLowRank } from "../../src/parametrizations/grid-low-rank.js";
import { Rng } from "../../src/random/rng.js";
import { oneMatchesBatch, parametrizationGradError } from "./grad-check.js";

function randomStates(rng: Rng, T: number, S: number): Float64Array {
  // Some states outside [−1, 1] (clipped), and repeated grid entries within the batch.
  return Float64Array.from({ length: T * S }, () => rng.uniformRange(-1.3, 1.3));
}

describe("CpGrid: a CP tensor read at the state's grid entry", () => {
  it("gradients match central differences for any order, rank, output mode (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 0, max: 1e6 }),
        (S, rank, outputs, T, seed) => {
          const rng = new Rng(seed);
          const buckets = Array.from({ length: S }, () => 2 + Math.floor(3 * rng.uniform()));
          const grid = new AxisGrid({ low: new Array(S).fill(-1), high: new Array(S).fill(1), buckets });
          const f = new CpGrid({ grid, rank, outputs });
          f.initNormal(rng, 0.8, 0.1);
          const states = randomStates(rng, T, S);
          expect(f.outputDim).toBe(outputs ?? 1);
          expect(f.parameterCount).toBe(rank * (buckets.reduce((a, b) => a + b, 0) + (outputs ?? 0)));
          expect(oneMatchesBatch(f, states, T)).toBe(true);
          expect(parametrizationGradError(f, states, T, seed + 1)).toBeLessThan(1e-7);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("equals the dense tensor of its factors (CPTensor.reconstruct) at every grid entry", () => {
    const rng = new Rng(3);
    const grid = new AxisGrid({ low: [0, 0, 0], high: [2, 3, 1], buckets: [3, 4, 2] });
    for (const outputs of [undefined, 3]) {
      const f = new CpGrid({ grid, rank: 3, outputs });
      f.initNormal(rng);
      const dense = f.toCPTensor().reconstruct();
      const P = outputs ?? 1;
      const z = new Float64Array(P);
      for (let i = 0; i < 3; i++)
        for (let j = 0; j < 4; j++)
          for (let k = 0; k < 2; k++) {
            f.forwardOne([i, j, k], z);
            for (let a = 0; a < P; a++) {
              const flat = outputs ? ((i * 4 + j) * 2 + k) * P + a : (i * 4 + j) * 2 + k;
              expect(Math.abs(z[a] - dense.data[flat])).toBeLessThan(1e-12);
              // Without an output mode: Σ_r Π_d U_d[i_d, r] in the reference's order, bit for bit.
              if (!outputs) expect(z[a]).toBe(sumOverRank(f, [i, j, k]));
            }
          }
    }
  });

  it("D = 2 with U₀ = L, U₁ = R gives LRPG's μ and gradients bit for bit", () => {
    const rng = new Rng(11);
    const opts = { low: [-1, -2], high: [1, 2], buckets: [5, 7] };
    const lr = new GridLowRank(new Discretizer({ ...opts, rowDims: [0], colDims: [1] }), 3, "mu");
    rng.fillNormal(lr.matrix.L.data);
    rng.fillNormal(lr.matrix.R.data);
    const cp = new CpGrid({ grid: new AxisGrid(opts), rank: 3 });
    cp.factors[0].data.set(lr.matrix.L.data);
    cp.factors[1].data.set(lr.matrix.R.data);
    const T = 40;
    const states = Float64Array.from({ length: 2 * T }, () => rng.uniformRange(-2.5, 2.5));
    const a = new Float64Array(T);
    const b = new Float64Array(T);
    lr.forwardBatch(states, T, a);
    cp.forwardBatch(states, T, b);
    expect(Array.from(b)).toEqual(Array.from(a));
    const g = rng.fillNormal(new Float64Array(T));
    lr.backwardBatch(g);
    cp.backwardBatch(g);
    expect(Array.from(cp.factors[0].grad)).toEqual(Array.from(lr.matrix.L.grad));
    expect(Array.from(cp.factors[1].grad)).toEqual(Array.from(lr.matrix.R.grad));
  });

  it("AxisGrid indices are the Discretizer's (clip, scale, round half to even, both ends included)", () => {
    const opts = { low: [-1, -5], high: [1, 5], buckets: [10, 10] };
    const axes = new AxisGrid(opts);
    const disc = new Discretizer({ ...opts, rowDims: [0], colDims: [1] });
    // (x + 5)/10·9 = 4.5 exactly at x = 0: half to even → 4; 5.5 at x = 10/9 − 5 + … → 6.
    expect(axes.index(0, 1)).toBe(4);
    expect(axes.index(-1, 0)).toBe(0);
    expect(axes.index(1, 0)).toBe(9);
    expect(axes.index(-8, 1)).toBe(0);
    expect(axes.index(8, 1)).toBe(9);
    const rng = new Rng(5);
    for (let n = 0; n < 500; n++) {
      const x = rng.uniformRange(-6, 6);
      expect(axes.index(x, 1)).toBe(disc.index(x, 1));
    }
    const one = new AxisGrid({ low: [0], high: [1], buckets: 3 });
    expect(one.stateDim).toBe(1);
    expect([0, 0.25, 0.75, 1].map((x) => one.index(x, 0))).toEqual([0, 0, 2, 2]);
    expect(() => new AxisGrid({ low: [1], high: [0], buckets: 3 })).toThrow(/low\[0\] < high\[0\]/);
  });

  it("rejects a bad rank or output-mode size with one line naming it", () => {
    const grid = new AxisGrid({ low: [0], high: [1], buckets: 2 });
    expect(() => new CpGrid({ grid, rank: 0 })).toThrow(/rank must be an integer >= 1, got 0/);
    expect(() => new CpGrid({ grid, rank: 2, outputs: 1.5 })).toThrow(/outputs .* >= 1, got 1.5/);
    expect(new CpGrid({ grid, rank: 2, name: "value" }).stateDictEntries().map((e) => e.key)).toEqual([
      "value.factors.0",
    ]);
  });
});

function sumOverRank(f: CpGrid, idx: number[]): number {
  let s = 0;
  for (let r = 0; r < f.rank; r++) {
    let p = f.factors[0].data[idx[0] * f.rank + r];
    for (let d = 1; d < idx.length; d++) p *= f.factors[d].data[idx[d] * f.rank + r];
    s += p;
  }
  return s;
}
